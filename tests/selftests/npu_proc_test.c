// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Processes and files: concurrent clients (processes and threads), files
 * shared across fork(), closing a file or killing its process with jobs in
 * flight (queued jobs are dropped with -ESRCH, running ones finish, close
 * is bounded by the job timeout), BO lifetime across process exit.
 *
 * Children never use ASSERT_*(): they report through their exit status.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "npu_harness.h"

FIXTURE(proc) {
	int fd;
	int vfd;
	struct drm_npu_query_limits lim;
};

FIXTURE_SETUP(proc)
{
	self->vfd = -1;
	self->fd = npu_open();
	if (self->fd == -ENODEV)
		SKIP(return, "no npu device (is npu.ko loaded?)");
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, npu_get_limits(self->fd, &self->lim));
	self->vfd = npu_vgem_open();
}

FIXTURE_TEARDOWN(proc)
{
	if (self->vfd >= 0)
		close(self->vfd);
	if (self->fd >= 0)
		close(self->fd);
}

/* Run @n verified canned jobs of varying shapes on @fd; 0 or a step code. */
static int run_jobs(int fd, int n, uint32_t seed)
{
	int i;

	for (i = 0; i < n; i++) {
		struct npu_canned c;
		uint64_t seq;
		int ret;

		ret = npu_canned_init(fd, &c, 1 + (seed + i) % 13,
				      1 + (seed * 3 + i) % 17, 1 + i % 11,
				      seed * 1000 + i);
		if (ret)
			return 10;
		ret = npu_canned_submit(fd, &c, &seq);
		if (!ret)
			ret = npu_wait(fd, seq, NPU_WAIT_NS);
		if (!ret)
			ret = npu_canned_check(&c);
		npu_canned_fini(fd, &c);
		if (ret) {
			fprintf(stderr, "# pid %d job %d: %s\n", getpid(), i,
				strerror(-ret));
			return 11;
		}
	}
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

TEST_F_TIMEOUT(proc, processes_concurrently, 300)
{
	enum { NPROC = 4 };
	pid_t pid[NPROC];
	int i;

	for (i = 0; i < NPROC; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			int fd = npu_open();

			_exit(fd < 0 ? 9 : run_jobs(fd, 25, 100 + i));
		}
	}
	/* the parent's own file works meanwhile */
	ASSERT_EQ(0, run_jobs(self->fd, 10, 7));
	for (i = 0; i < NPROC; i++)
		ASSERT_EQ(0, wait_child(pid[i]));
}

struct thread_arg {
	int fd;
	uint32_t seed;
	int result;
};

static void *thread_jobs(void *p)
{
	struct thread_arg *a = p;

	a->result = run_jobs(a->fd, 20, a->seed);
	return NULL;
}

TEST_F_TIMEOUT(proc, threads_share_a_file, 300)
{
	enum { NTHR = 4 };
	struct thread_arg a[NTHR];
	pthread_t t[NTHR];
	int i;

	for (i = 0; i < NTHR; i++) {
		a[i].fd = self->fd;
		a[i].seed = 200 + i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, thread_jobs, &a[i]));
	}
	for (i = 0; i < NTHR; i++) {
		pthread_join(t[i], NULL);
		ASSERT_EQ(0, a[i].result);
	}
}

TEST_F(proc, inherited_file_seqnos_are_shared)
{
	struct npu_canned c;
	uint64_t seq = 0;
	int p[2];
	pid_t pid;

	/* one file, two processes: a seqno issued in the child is waitable
	 * in the parent, the BOs are the same */
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 9, 9, 9, 300));
	npu_bo_poison(&c.out);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (npu_cs_submit(self->fd, &c.cs, c.bos, 2, &seq))
			_exit(1);
		if (write(p[1], &seq, sizeof(seq)) != sizeof(seq))
			_exit(2);
		_exit(0);	/* no wait, no close */
	}
	ASSERT_EQ(sizeof(seq), read(p[0], &seq, sizeof(seq)));
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	close(p[0]);
	close(p[1]);
	npu_canned_fini(self->fd, &c);
}

TEST_F(proc, many_files)
{
	enum { NF = 64 };
	int fds[NF], i;

	for (i = 0; i < NF; i++) {
		fds[i] = npu_open();
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < NF; i += 7)
		assert_device_works(fds[i]);
	for (i = 0; i < NF; i++)
		close(fds[i]);
	assert_device_works(self->fd);
}

/*
 * Close a file with @n jobs in flight, each with its own out syncobj whose
 * fence is kept as a sync_file and its output BO kept as a dma-buf. Every
 * mapping is dropped first: a mapping holds the file, and close() would
 * then not release it. Afterwards every job either completed with correct
 * data (status 1) or was dropped before running (-ESRCH, output untouched),
 * and close() took no longer than the job timeout allows.
 */
#define OUT_M	256
#define OUT_K	256
#define OUT_N	256

static void close_in_flight(struct __test_metadata *_metadata,
			    FIXTURE_DATA(proc) *self, int n, int blocked)
{
	struct npu_canned *c = calloc(n, sizeof(*c));
	int *sync_fds = calloc(n, sizeof(int));
	int *dmabufs = calloc(n, sizeof(int));
	uint32_t *outs = calloc(n, sizeof(uint32_t));
	int fd2, i, j, done = 0, dropped = 0, st;
	uint32_t blk = 0, fence = 0, h;
	struct drm_npu_submit s;
	int64_t t0, dt, bound;
	size_t size;
	float *y;

	ASSERT_NE(NULL, c);
	ASSERT_NE(NULL, sync_fds);
	ASSERT_NE(NULL, dmabufs);
	ASSERT_NE(NULL, outs);
	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	/* everything prepared first, so the submits come in a burst */
	for (i = 0; i < n; i++) {
		/* running jobs take long enough to keep the rest queued */
		ASSERT_EQ(0, npu_canned_init(fd2, &c[i], OUT_M, blocked ? 8 : OUT_K,
					     OUT_N, 400 + i));
		npu_bo_poison(&c[i].out);
		munmap(c[i].in.map, c[i].in.size);
		munmap(c[i].out.map, c[i].out.size);
		ASSERT_EQ(0, npu_prime_export(fd2, c[i].out.handle,
					      DRM_CLOEXEC | DRM_RDWR,
					      &dmabufs[i]));
		ASSERT_EQ(0, npu_syncobj_create(fd2, 0, &outs[i]));
	}
	/* the foreign fence starts its 10 s vgem timer only now */
	if (blocked)
		ASSERT_EQ(0, npu_blocker(fd2, self->vfd, &blk, &fence));
	for (i = 0; i < n; i++) {
		npu_submit_args(&s, &c[i].cs, c[i].bos, 2);
		s.out_syncobj = outs[i];
		if (blocked) {
			s.in_syncobjs = (uintptr_t)&blk;
			s.in_syncobj_count = 1;
		}
		ASSERT_EQ(0, npu_submit(fd2, &s));
	}
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, npu_syncobj_export_sync_file(fd2, outs[i],
							  &sync_fds[i]));

	/* close: queued jobs dropped, the running one finishes, bounded */
	t0 = npu_now_ns();
	ASSERT_EQ(0, close(fd2));
	dt = npu_now_ns() - t0;
	if (blocked)
		npu_vgem_fence_signal(self->vfd, fence);
	bound = (int64_t)(self->lim.job_timeout_ms + 2000) * 1000000;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(1, npu_fd_signalled(sync_fds[i], 60000));
		st = npu_sync_file_status(sync_fds[i]);
		ASSERT_EQ(0, npu_prime_import(self->fd, dmabufs[i], &h));
		y = npu_bo_mmap(self->fd, h, &size);
		ASSERT_NE(NULL, y);
		if (st == 1) {
			done++;
			for (j = 0; j < OUT_M * OUT_N; j++)
				ASSERT_EQ(c[i].ref[j], y[j]);
		} else {
			dropped++;
			ASSERT_EQ(-ESRCH, st);
			ASSERT_TRUE(npu_is_poison(y, size));
		}
		munmap(y, size);
		npu_gem_close(self->fd, h);
		close(dmabufs[i]);
		close(sync_fds[i]);
		npu_cs_fini(&c[i].cs);
		free(c[i].ref);
	}
	TH_LOG("%d jobs completed, %d dropped, close() took %lld ms", done,
	       dropped, (long long)(dt / 1000000));
	/* queued jobs are dropped, only the running one may delay close() */
	EXPECT_GT(bound, dt) {
		TH_LOG("close() took %lld ms with %d jobs in flight%s",
		       (long long)(dt / 1000000), n,
		       blocked ? " (waiting for a foreign fence)" : "");
	}
	if (blocked)
		EXPECT_EQ(n, dropped);
	free(c);
	free(sync_fds);
	free(dmabufs);
	free(outs);
	ASSERT_EQ(0, npu_wait_idle(self->fd, NPU_WAIT_NS));
	assert_device_works(self->fd);
}

TEST_F_TIMEOUT(proc, close_with_jobs_in_flight, 300)
{
	close_in_flight(_metadata, self, 16, 0);
}

TEST_F_TIMEOUT(proc, close_with_blocked_jobs, 120)
{
	if (self->vfd < 0)
		SKIP(return, "vgem not loaded (modprobe vgem)");
	/* vgem releases its fences after 10 s: the bound must be below */
	if (self->lim.job_timeout_ms + 2000 >= 9000)
		SKIP(return, "job_timeout_ms %u too long to tell",
		     self->lim.job_timeout_ms);
	close_in_flight(_metadata, self, 4, 1);
}

TEST_F_TIMEOUT(proc, reopen_after_close_in_flight, 300)
{
	int round, i, fd2;

	for (round = 0; round < 3; round++) {
		struct npu_canned c[8];

		fd2 = npu_open();
		ASSERT_LE(0, fd2);
		for (i = 0; i < 8; i++) {
			ASSERT_EQ(0, npu_canned_init(fd2, &c[i], 32, 32, 32,
						     500 + i));
			ASSERT_EQ(0, npu_canned_submit(fd2, &c[i], NULL));
		}
		for (i = 0; i < 8; i++)
			npu_canned_fini(fd2, &c[i]);
		close(fd2);
		fd2 = npu_open();
		ASSERT_LE(0, fd2);
		assert_device_works(fd2);
		close(fd2);
	}
}

/* Child: submit jobs forever on its own file, say 'r' after the first 8. */
/*
 * Open a file, queue a few small jobs and close it at once, in a loop.
 * Regression test: drm_sched's submit work could pop a job of the closing
 * file while drm_sched_entity_fini() killed its entity and put the entity
 * back into the run queue's FIFO tree, where it stayed after struct
 * npu_file was freed (use-after-free in drm_sched_run_job_work; the debug
 * kernel's KASAN reports it, tests/fuzz/guest/repro-close-entity-uaf.c).
 */
static int close_churn(int64_t until, uint32_t seed)
{
	int rounds = 0;

	while (npu_now_ns() < until || rounds < 20) {
		struct npu_canned c[4];
		int fd = npu_open(), i, n;
		uint64_t seq;

		if (fd < 0)
			return 9;
		for (n = 0; n < 4; n++) {
			if (npu_canned_init(fd, &c[n], 4 + n, 8, 8, seed + n))
				break;
			if (npu_canned_submit(fd, &c[n], &seq)) {
				n++;
				break;
			}
		}
		/* the jobs keep their BOs; close() drops those still queued */
		for (i = 0; i < n; i++)
			npu_canned_fini(fd, &c[i]);
		close(fd);
		rounds++;
		seed += 4;
	}
	return 0;
}

TEST_F_TIMEOUT(proc, close_while_scheduler_pops, 300)
{
	enum { NPROC = 2 };
	int64_t until = npu_now_ns() + 8 * 1000000000LL;
	pid_t pid[NPROC];
	int i;

	for (i = 0; i < NPROC; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(close_churn(until, 1000 * i));
	}
	for (i = 0; i < NPROC; i++)
		ASSERT_EQ(0, wait_child(pid[i]));
	/* the scheduler and its run queue survived */
	ASSERT_EQ(0, run_jobs(self->fd, 5, 3));
}

static void __attribute__((noreturn)) submit_forever(int ready_fd,
						     int sync_fd)
{
	struct npu_canned c[4];
	uint32_t blk = 0;
	struct drm_npu_submit s;
	int fd = npu_open(), i, n = 0;

	if (fd < 0)
		_exit(9);
	if (sync_fd >= 0) {
		if (npu_syncobj_create(fd, 0, &blk) ||
		    npu_syncobj_import_sync_file(fd, blk, sync_fd))
			_exit(8);
	}
	for (i = 0; i < 4; i++)
		if (npu_canned_init(fd, &c[i], 40, 40, 40, 600 + i))
			_exit(7);
	for (;;) {
		npu_submit_args(&s, &c[n % 4].cs, c[n % 4].bos, 2);
		if (sync_fd >= 0) {
			s.in_syncobjs = (uintptr_t)&blk;
			s.in_syncobj_count = 1;
		}
		if (npu_submit(fd, &s))
			_exit(6);
		if (++n == 8 && write(ready_fd, "r", 1) != 1)
			_exit(5);
		if (sync_fd >= 0 && n >= 64)
			pause();
	}
}

TEST_F_TIMEOUT(proc, kill_with_jobs_in_flight, 300)
{
	int round, p[2];
	char ch;
	pid_t pid;

	for (round = 0; round < 3; round++) {
		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			submit_forever(p[1], -1);
		ASSERT_EQ(1, read(p[0], &ch, 1));
		usleep(20000 * round);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(128 + SIGKILL, wait_child(pid));
		close(p[0]);
		close(p[1]);
		assert_device_works(self->fd);
	}
	ASSERT_EQ(0, npu_wait_idle(self->fd, NPU_WAIT_NS));
}

TEST_F_TIMEOUT(proc, kill_with_blocked_jobs, 120)
{
	uint32_t vbo, fence;
	int p[2], dmabuf, sync_fd;
	int64_t t0, dt, bound;
	char ch;
	pid_t pid;

	if (self->vfd < 0)
		SKIP(return, "vgem not loaded (modprobe vgem)");
	if (self->lim.job_timeout_ms + 2000 >= 9000)
		SKIP(return, "job_timeout_ms %u too long to tell",
		     self->lim.job_timeout_ms);
	/* a fence only the parent can release, handed to the child */
	ASSERT_EQ(0, npu_vgem_bo(self->vfd, 4096, &vbo, NULL));
	ASSERT_EQ(0, npu_vgem_fence_attach(self->vfd, vbo, &fence));
	ASSERT_EQ(0, npu_prime_export(self->vfd, vbo, DRM_CLOEXEC | DRM_RDWR,
				      &dmabuf));
	ASSERT_EQ(0, npu_dmabuf_sync_file(dmabuf, &sync_fd));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		submit_forever(p[1], sync_fd);
	ASSERT_EQ(1, read(p[0], &ch, 1));
	usleep(100000);

	/* the dying process must not wait for the parent's fence */
	t0 = npu_now_ns();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(128 + SIGKILL, wait_child(pid));
	dt = npu_now_ns() - t0;
	npu_vgem_fence_signal(self->vfd, fence);
	bound = (int64_t)(self->lim.job_timeout_ms + 2000) * 1000000;
	ASSERT_GT(bound, dt) {
		TH_LOG("exit took %lld ms with blocked jobs",
		       (long long)(dt / 1000000));
	}
	close(sync_fd);
	close(dmabuf);
	close(p[0]);
	close(p[1]);
	ASSERT_EQ(0, npu_wait_idle(self->fd, NPU_WAIT_NS));
	assert_device_works(self->fd);
}

TEST_F_TIMEOUT(proc, exit_without_close, 120)
{
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct npu_canned c[8];
		int fd = npu_open(), i;

		if (fd < 0)
			_exit(9);
		for (i = 0; i < 8; i++)
			if (npu_canned_init(fd, &c[i], 30, 30, 30, 700 + i) ||
			    npu_canned_submit(fd, &c[i], NULL))
				_exit(1);
		_exit(0);	/* mappings, handles, jobs: all left behind */
	}
	ASSERT_EQ(0, wait_child(pid));
	ASSERT_EQ(0, npu_wait_idle(self->fd, NPU_WAIT_NS));
	assert_device_works(self->fd);
}

static int send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))], b = 'x';
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { .iov_base = &b, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST_F(proc, result_outlives_its_process)
{
	float ref[16 * 16];
	const float *y;
	size_t size;
	uint32_t h;
	int sv[2], dmabuf, i;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct npu_canned c;
		uint64_t seq;
		int fd = npu_open(), d;

		if (fd < 0 || npu_canned_init(fd, &c, 16, 8, 16, 800) ||
		    npu_canned_submit(fd, &c, &seq) ||
		    npu_wait(fd, seq, NPU_WAIT_NS) || npu_canned_check(&c))
			_exit(1);
		if (write(sv[1], c.ref, sizeof(ref)) != sizeof(ref))
			_exit(2);
		if (npu_prime_export(fd, c.out.handle, DRM_CLOEXEC | DRM_RDWR,
				     &d) || send_fd(sv[1], d))
			_exit(3);
		_exit(0);	/* the device file dies with the process */
	}
	ASSERT_EQ(sizeof(ref), read(sv[0], ref, sizeof(ref)));
	dmabuf = recv_fd(sv[0]);
	ASSERT_LE(0, dmabuf);
	ASSERT_EQ(0, wait_child(pid));

	ASSERT_EQ(0, npu_prime_import(self->fd, dmabuf, &h));
	close(dmabuf);
	ASSERT_EQ(0, npu_wait_bo(self->fd, h, NPU_WAIT_NS));
	y = npu_bo_mmap(self->fd, h, &size);
	ASSERT_NE(NULL, y);
	for (i = 0; i < 16 * 16; i++)
		ASSERT_EQ(ref[i], y[i]);
	munmap((void *)y, size);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	close(sv[0]);
	close(sv[1]);
}

TEST_HARNESS_MAIN
