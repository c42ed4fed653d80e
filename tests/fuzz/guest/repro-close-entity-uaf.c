// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * repro-close-entity-uaf [SECONDS]: closing a file while the scheduler
 * pops one of its queued jobs leaves the file's (freed) scheduler entity in
 * the run queue's FIFO rb-tree: use after free of struct npu_file.
 *
 * Found by npu-fuzz on the debug kernel (seed 22, --procs 4, op ~3600 of a
 * worker, driver at 440c942):
 *
 *   BUG: KASAN: slab-use-after-free in rb_next+0xf1/0x130
 *   Read of size 8 ... by task kworker/u8:7, Workqueue: cpu drm_sched_run_job_work
 *    rb_next / drm_sched_run_job_work [gpu_sched]
 *   Allocated by: npu_open <- drm_file_alloc (kmalloc-2k: struct npu_file)
 *   Freed by:     kfree <- npu_file_put <- npu_job_release_work [npu]
 *
 * followed by a general protection fault in rb_insert_color <-
 * drm_sched_rq_update_fifo_locked <- drm_sched_entity_push_job <-
 * npu_job_submit (the corrupted tree, with rq->lock held) and soft
 * lockups / RCU stalls on every CPU.
 *
 * Mechanism (6.12 drm_sched, FIFO policy): drm_sched_entity_kill() (from
 * drm_sched_entity_fini()) sets entity->stopped and takes the entity off
 * the run queue, then waits for entity_idle. If drm_sched_run_job_work()
 * already selected the entity, its drm_sched_entity_pop_job() then sees
 * another queued job and calls drm_sched_rq_update_fifo_locked(), which
 * puts the entity back into rq->rb_tree_root (no stopped check). The
 * entity stays in the tree after fini; npu_file, which embeds it, is freed
 * when the file's last job is released. Since 440c942 npu_postclose()
 * calls drm_sched_entity_fini() without drm_sched_entity_flush(), so a
 * close with queued jobs - and this race - is the normal case.
 *
 * Steps: two processes, each opening a file, queueing a few small jobs and
 * closing the file at once, in a loop, for SECONDS (default 120), then a
 * check that the device still computes. KASAN (debug kernel) reports the
 * use after free; on other kernels the corrupted tree crashes later or not
 * at all, so judge by the kernel log (the rig does).
 */
#include <signal.h>
#include <sys/wait.h>

#include "repro.h"

#define DIM	8

static int loop(int64_t until)
{
	uint8_t cmd[512] __attribute__((aligned(8)));
	uint32_t bos[2], size = repro_gemm(cmd, DIM, DIM, DIM);
	int n = 0, fd, i, ret;

	while (repro_now_ns() < until) {
		fd = repro_open();
		if (fd < 0)
			return -1;
		ret = repro_bo(fd, 4096, &bos[0], NULL);
		if (!ret)
			ret = repro_bo(fd, 4096, &bos[1], NULL);
		/* several queued jobs: the scheduler pops one while we close */
		for (i = 0; !ret && i < 4; i++)
			ret = repro_submit(fd, cmd, size, bos, 2, NULL);
		close(fd);
		if (ret && ret != -ENOMEM)
			return -1;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 120, i, status, bad = 0, fd, ret;
	int64_t until = repro_now_ns() + (int64_t)secs * 1000000000LL;
	uint8_t cmd[512] __attribute__((aligned(8)));
	uint32_t bos[2], size;
	uint64_t seqno;
	float *a, *y;
	pid_t pid[2];

	repro_begin("close-entity-uaf");
	fd = repro_open();
	if (fd < 0)
		return repro_skip("no npu device");
	close(fd);
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			int n = loop(until);

			printf("# child %d: %d open-submit-close rounds\n", i, n);
			fflush(stdout);
			_exit(n < 0);
		}
	}
	for (i = 0; i < 2; i++) {
		if (waitpid(pid[i], &status, 0) != pid[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			repro_diag("child %d failed (status %#x)", i, status);
			bad = 1;
		}
	}
	/* the device must still compute: Y = A * B with A = B = identity */
	fd = repro_open();
	size = repro_gemm(cmd, DIM, DIM, DIM);
	ret = fd < 0 ? fd : repro_bo(fd, 4096, &bos[0], (void **)&a);
	if (!ret)
		ret = repro_bo(fd, 4096, &bos[1], (void **)&y);
	if (!ret) {
		memset(a, 0, 2 * DIM * DIM * 4);
		for (i = 0; i < DIM; i++)
			a[i * DIM + i] = a[DIM * DIM + i * DIM + i] = 1.0f;
		ret = repro_submit(fd, cmd, size, bos, 2, &seqno);
	}
	if (!ret)
		ret = repro_wait(fd, seqno, 30000000000LL);
	for (i = 0; !ret && i < DIM * DIM; i++)
		if (y[i] != (i % (DIM + 1) == 0 ? 1.0f : 0.0f))
			ret = -EBADMSG;
	repro_diag("a job afterwards: %s", ret ? strerror(-ret) : "correct");
	return repro_end(!bad && !ret, "%d s of closes with queued jobs; judge by the kernel log "
			 "(KASAN slab-use-after-free in rb_next / drm_sched_run_job_work)", secs);
}
