// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * repro-timeout-leak: a job that times out is never freed, so the engine
 * counts it as queued forever, its BOs and file stay referenced, and the
 * close() of its file blocks forever (D state in npu_postclose()).
 *
 * Found by npu-fuzz (seed 2, --procs 2 --hang-rate 20, job_timeout_ms=50):
 * after 10 timeouts, debugfs engines showed "queued 10" with no fuzzer
 * left, both fuzzer processes hung in
 *
 *   npu_postclose+0x1d1/0x220 [npu]
 *   drm_file_free+0x218/0x270 [drm]
 *   drm_release+0x5e/0xe0 [drm]
 *   __fput+0xe3/0x2b0
 *
 * and rmmod npu failed (module in use).
 *
 * Cause: in 6.12, drm_sched_job_timedout() takes the job off
 * sched->pending_list before it calls ops->timedout_job() and puts it back
 * only through drm_sched_stop()/drm_sched_start(). npu_sched_timedout_job()
 * calls neither and does not re-add the job itself (compare
 * etnaviv_sched_timedout_job()'s "list_add(&sched_job->list,
 * &sched_job->sched->pending_list)" on its no-reset paths), so when the
 * aborted job's fence signals, drm_sched_get_finished_job() never sees it:
 * free_job() is never called, npu_file.jobs never drops to 0, and
 * npu_postclose()'s wait_event() never returns. The same happens on the
 * "fence already signalled" path of npu_sched_timedout_job().
 *
 * Steps: write 1 to debugfs fault_hang, run one job (it hangs until its
 * timeout aborts it: -ETIMEDOUT), then check that the engine's queue
 * drains and that the file can be closed. The job runs in a child process
 * so the test itself does not hang: the child's exit is what blocks.
 *
 * Needs root and debugfs (fault_hang). Takes about job_timeout_ms + 10 s.
 */
#include <signal.h>
#include <sys/wait.h>

#include "repro.h"

static int debugfs_write(const char *file, const char *val)
{
	char link[256], target[256], path[512];
	const char *base;
	ssize_t n = -1;
	int fd, i, ret = 0;

	/* /sys/class/accel/accelN/device -> .../npu.0 */
	for (i = 0; i < 64 && n <= 0; i++) {
		snprintf(link, sizeof(link), "/sys/class/accel/accel%d/device", i);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && !strstr(target, "npu"))
			n = -1;
	}
	if (n <= 0)
		return -ENOENT;
	target[n] = 0;
	base = strrchr(target, '/');
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/%s", base ? base + 1 : target,
		 file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void print_stack(pid_t pid)
{
	char path[64], buf[2048];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		printf("# stack of pid %d:\n%s", pid, buf);
	}
}

int main(void)
{
	struct drm_npu_query_limits lim;
	struct drm_npu_query q;
	uint8_t cmd[512] __attribute__((aligned(8)));
	int fd, pipefd[2], ret, status, child_ret = 0;
	int64_t queued = -1, t0;
	uint32_t bos[2], size;
	pid_t pid;
	void *map;

	repro_begin("timeout-leak");
	fd = repro_open();
	if (fd < 0)
		return repro_skip("no npu device");
	memset(&q, 0, sizeof(q));
	q.query = DRM_NPU_QUERY_LIMITS;
	q.size = sizeof(lim);
	q.data = (uintptr_t)&lim;
	if (repro_ioctl(fd, DRM_IOCTL_NPU_QUERY, &q))
		return repro_skip("QUERY LIMITS failed");
	if (lim.job_timeout_ms > 20000)
		return repro_skip("job_timeout_ms above 20 s");
	if (repro_queued(fd) != 0)
		return repro_skip("the engine is busy");
	if (pipe(pipefd))
		return repro_skip("pipe");

	pid = fork();
	if (pid == 0) {
		int cfd = repro_open();
		uint64_t seqno = 0;

		ret = cfd < 0 ? cfd : 0;
		if (!ret)
			ret = repro_bo(cfd, 4096, &bos[0], &map);
		if (!ret)
			ret = repro_bo(cfd, 4096, &bos[1], NULL);
		size = repro_gemm(cmd, 4, 4, 4);
		if (!ret)
			ret = debugfs_write("fault_hang", "1");
		if (!ret)
			ret = repro_submit(cfd, cmd, size, bos, 2, &seqno);
		if (!ret)
			ret = repro_wait(cfd, seqno, (int64_t)lim.job_timeout_ms * 4000000LL +
					 30000000000LL);
		/* report the WAIT result, then close the file by exiting */
		if (write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	if (pid < 0 || read(pipefd[0], &child_ret, sizeof(child_ret)) != sizeof(child_ret)) {
		kill(pid, SIGKILL);
		return repro_end(0, "setup failed in the child");
	}
	repro_diag("hung job finished with %d (%s), job_timeout_ms %u", child_ret,
		   strerror(-child_ret), lim.job_timeout_ms);
	if (child_ret == -ENOENT || child_ret == -EACCES || child_ret == -EPERM) {
		waitpid(pid, &status, 0);
		return repro_skip("no debugfs fault_hang (root and debugfs needed)");
	}
	if (child_ret != -ETIMEDOUT) {
		waitpid(pid, &status, 0);
		return repro_end(0, "the injected hang gave %d, not -ETIMEDOUT", child_ret);
	}

	/* the job is done: its scheduler job must be freed, the file closable */
	t0 = repro_now_ns();
	while (repro_now_ns() - t0 < 10000000000LL) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			pid = 0;
			break;
		}
		usleep(50000);
	}
	queued = repro_queued(fd);
	repro_diag("engines queued after 10 s: %lld", (long long)queued);
	if (pid) {
		print_stack(pid);
		/* leave the stuck child behind: it cannot be reaped */
		return repro_end(0, "closing the file of a timed-out job blocks (child %d stuck),"
				 " %lld job(s) still queued", pid, (long long)queued);
	}
	if (queued != 0)
		return repro_end(0, "%lld timed-out job(s) never freed", (long long)queued);
	close(fd);
	return repro_end(1, NULL);
}
