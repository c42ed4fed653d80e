// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Observability: debugfs (/sys/kernel/debug/accel/<device>/: engines, jobs,
 * bos, clients, fault_hang) and DRM fdinfo usage statistics
 * (/proc/self/fdinfo/<fd>). fault_hang also drives the job-timeout path:
 * a hung job's WAIT, out fence and WAIT_BO report -ETIMEDOUT and the
 * device keeps working.
 *
 * The debugfs directory is named after the device (dev->unique, e.g.
 * "npu.0", the target of /sys/class/accel/accelN/device); the minor number
 * is tried as a fallback.
 */
#include <libgen.h>

#include "npu_harness.h"

FIXTURE(dbg) {
	int fd;
	char dir[256];
	struct drm_npu_query_limits lim;
};

FIXTURE_SETUP(dbg)
{
	self->fd = npu_open();
	if (self->fd == -ENODEV)
		SKIP(return, "no npu device (is npu.ko loaded?)");
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, npu_get_limits(self->fd, &self->lim));
	if (access("/sys/kernel/debug/accel", X_OK))
		SKIP(return, "debugfs not mounted or not root");
	ASSERT_EQ(0, npu_debugfs_dir(self->fd, self->dir, sizeof(self->dir)));
}

FIXTURE_TEARDOWN(dbg)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Whole file into a malloc()ed string; NULL and errno on failure. */
static char *slurp(const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *p = realloc(buf, cap * 2);

			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

static char *dbg_read(FIXTURE_DATA(dbg) *self, const char *name)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", self->dir, name);
	return slurp(path);
}

static int dbg_write(FIXTURE_DATA(dbg) *self, const char *name,
		     const char *val)
{
	return npu_debugfs_write(self->dir, name, val);
}

/*
 * A table with a header line of column names ("name kind jobs_done ...")
 * and one whitespace-separated row per line. Sum column @col over the rows
 * whose column @key_col equals @key (every row when @key is NULL). Rows
 * with fewer fields are skipped ("total N"). -1 when @col is not a column.
 */
static int64_t table_sum(const char *text, const char *col,
			 const char *key_col, const char *key)
{
	char *copy = strdup(text), *line, *save = NULL;
	int ci = -1, ki = -1, ncols = 0, i;
	int64_t sum = 0;

	if (!copy)
		return -1;
	line = strtok_r(copy, "\n", &save);
	if (line) {
		char *tok, *s2 = NULL;

		for (tok = strtok_r(line, " \t", &s2); tok;
		     tok = strtok_r(NULL, " \t", &s2), ncols++) {
			if (!strcmp(tok, col))
				ci = ncols;
			if (key_col && !strcmp(tok, key_col))
				ki = ncols;
		}
	}
	if (ci < 0 || (key_col && ki < 0)) {
		free(copy);
		return -1;
	}
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *f[16], *tok, *s2 = NULL;
		int n = 0;

		for (tok = strtok_r(line, " \t", &s2); tok && n < 16;
		     tok = strtok_r(NULL, " \t", &s2))
			f[n++] = tok;
		if (n < ncols)
			continue;
		if (key && strcmp(f[ki], key))
			continue;
		for (i = 0; f[ci][i]; i++)
			if (f[ci][i] < '0' || f[ci][i] > '9')
				break;
		if (!f[ci][i])
			sum += strtoll(f[ci], NULL, 10);
	}
	free(copy);
	return sum;
}

static int64_t engines_col(FIXTURE_DATA(dbg) *self, const char *col)
{
	char *t = dbg_read(self, "engines");
	int64_t v;

	if (!t)
		return -1;
	v = table_sum(t, col, NULL, NULL);
	free(t);
	return v;
}

/* fdinfo value of @key ("drm-engine-cpu") in bytes/ns; -1 if absent. */
static int64_t fdinfo_value(int fd, const char *key, char *raw, size_t len)
{
	char path[64], *t, *p;
	int64_t v;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	t = slurp(path);
	if (!t)
		return -1;
	for (p = t; (p = strstr(p, key)); p++) {
		if ((p == t || p[-1] == '\n') && p[strlen(key)] == ':')
			break;
	}
	if (!p) {
		free(t);
		return -1;
	}
	p += strlen(key) + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (raw) {
		size_t n = strcspn(p, "\n");

		snprintf(raw, len, "%.*s", (int)n, p);
	}
	v = strtoll(p, &p, 10);
	if (!strncmp(p, " KiB", 4))
		v <<= 10;
	else if (!strncmp(p, " MiB", 4))
		v <<= 20;
	else if (!strncmp(p, " GiB", 4))
		v <<= 30;
	free(t);
	return v;
}

/*
 * A broken driver may make the last close() of a file wait forever (in D
 * state, unkillable). Keep every open file alive in a detached child that
 * never exits, so the test process can finish and report.
 */
static void park_files_forever(void)
{
	pid_t pid = fork();
	int null;

	if (pid)
		return;
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	setsid();
	for (;;)
		pause();
}

TEST_F(dbg, files_exist)
{
	static const char * const names[] = { "engines", "jobs", "bos",
					       "clients", "fault_hang",
					       "fault_run_delay_ms",
					       "fault_start_delay_ms", "uring" };
	unsigned int i;
	char *t;

	for (i = 0; i < NPU_ARRAY_SIZE(names); i++) {
		t = dbg_read(self, names[i]);
		ASSERT_NE(NULL, t) {
			TH_LOG("%s/%s: %s", self->dir, names[i],
			       strerror(errno));
		}
		/* at least a header line */
		ASSERT_NE(NULL, strchr(t, '\n'));
		free(t);
	}
	/* the accel core's "name" file names our driver */
	t = dbg_read(self, "name");
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, strstr(t, "npu"));
	free(t);
}

TEST_F(dbg, engines_jobs_done_moves)
{
	int64_t done0, done1, busy0, busy1;

	done0 = engines_col(self, "jobs_done");
	busy0 = engines_col(self, "busy_ns");
	ASSERT_LE(0, done0);
	ASSERT_LE(0, busy0);
	assert_device_works(self->fd);
	assert_device_works(self->fd);
	done1 = engines_col(self, "jobs_done");
	busy1 = engines_col(self, "busy_ns");
	ASSERT_LE(done0 + 2, done1);
	ASSERT_LT(busy0, busy1);
	ASSERT_EQ(0, npu_wait_idle(self->fd, 2000000000LL));
	ASSERT_EQ(0, engines_col(self, "queued"));
}

/*
 * A job big enough that its op outlasts the CPU engine's 50 us fork
 * threshold is spread over the engine's threads (when it has more than
 * one) and still gives the right result.
 */
TEST_F_TIMEOUT(dbg, big_op_spreads_over_threads, 300)
{
	int64_t threads, spread0, spread1;
	struct npu_canned c;
	uint64_t seq;

	threads = engines_col(self, "threads");
	ASSERT_LE(1, threads);
	spread0 = engines_col(self, "spread_ops");
	ASSERT_LE(0, spread0);
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 192, 160, 128, 77));
	ASSERT_EQ(0, npu_canned_submit(self->fd, &c, &seq));
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	npu_canned_fini(self->fd, &c);
	spread1 = engines_col(self, "spread_ops");
	if (threads == 1) {
		ASSERT_EQ(spread0, spread1);
		SKIP(return, "the CPU engine has one thread (cpu_threads=1 or one CPU)");
	}
	ASSERT_LT(spread0, spread1) TH_LOG("a 192x160x128 GEMM ran on one thread");
}

TEST_F(dbg, engines_agree_with_query)
{
	struct drm_npu_engine_info *e;
	uint32_t n, i;
	char *t;

	ASSERT_EQ(0, npu_wait_idle(self->fd, 2000000000LL));
	t = dbg_read(self, "engines");
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, npu_get_engines(self->fd, &e, &n));
	for (i = 0; i < n; i++) {
		/* idle device: the two views of jobs_done are equal */
		ASSERT_EQ((int64_t)e[i].jobs_done,
			  table_sum(t, "jobs_done", "name", e[i].name));
		ASSERT_EQ((int64_t)e[i].queued,
			  table_sum(t, "queued", "name", e[i].name));
	}
	free(e);
	free(t);
}

TEST_F(dbg, bos_lists_our_bo)
{
	const uint64_t size = 7 * 4096;	/* an unusual size */
	int64_t total0, total1, mine0, mine1, ours;
	char pid[16], *t;
	uint32_t h;

	snprintf(pid, sizeof(pid), "%d", getpid());
	t = dbg_read(self, "bos");
	ASSERT_NE(NULL, t);
	mine0 = table_sum(t, "size", "pid", pid);
	total0 = table_sum(t, "size", NULL, NULL);
	ASSERT_LE(0, mine0);
	free(t);

	ASSERT_EQ(0, npu_bo_create(self->fd, size, &h));
	t = dbg_read(self, "bos");
	ASSERT_NE(NULL, t);
	mine1 = table_sum(t, "size", "pid", pid);
	total1 = table_sum(t, "size", NULL, NULL);
	ASSERT_EQ(mine0 + (int64_t)size, mine1);
	ASSERT_EQ(total0 + (int64_t)size, total1);
	free(t);

	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	t = dbg_read(self, "bos");
	ASSERT_NE(NULL, t);
	ours = table_sum(t, "size", "pid", pid);
	ASSERT_EQ(mine0, ours);
	free(t);
}

TEST_F(dbg, clients_lists_our_file)
{
	char pid[16], id[32], *t;
	int64_t client_id;
	int fd2;

	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	client_id = fdinfo_value(fd2, "drm-client-id", NULL, 0);
	ASSERT_LE(0, client_id);
	snprintf(pid, sizeof(pid), "%d", getpid());
	snprintf(id, sizeof(id), "%lld", (long long)client_id);
	t = dbg_read(self, "clients");
	ASSERT_NE(NULL, t);
	/* the client_id column of the row with our id is our id */
	ASSERT_EQ(client_id, table_sum(t, "client_id", "client_id", id));
	ASSERT_NE(NULL, strstr(t, pid));
	free(t);
	close(fd2);
	t = dbg_read(self, "clients");
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, table_sum(t, "client_id", "client_id", id));
	free(t);
}

TEST_F(dbg, fdinfo_keys)
{
	struct npu_bo bo;
	char raw[64];
	int64_t v;

	v = fdinfo_value(self->fd, "drm-driver", raw, sizeof(raw));
	ASSERT_STREQ("npu", raw);
	ASSERT_LE(0, fdinfo_value(self->fd, "drm-client-id", NULL, 0));
	v = fdinfo_value(self->fd, "drm-engine-cpu", raw, sizeof(raw));
	ASSERT_LE(0, v);
	ASSERT_NE(NULL, strstr(raw, " ns"));
	ASSERT_LE(0, fdinfo_value(self->fd, "drm-total-memory", NULL, 0));
	/* drm_show_memory_stats() prints resident once a BO reports it */
	ASSERT_EQ(0, npu_bo_new(self->fd, 4096, &bo));
	bo.map[0] = 1;
	ASSERT_LE(4096, fdinfo_value(self->fd, "drm-resident-memory", NULL, 0));
	ASSERT_LE(4096, fdinfo_value(self->fd, "drm-total-memory", NULL, 0));
	npu_bo_free(self->fd, &bo);
}

TEST_F(dbg, fdinfo_engine_time_and_memory)
{
	int64_t t_open, t_end, ns0, ns1, mem0, mem1, other;
	struct npu_bo bo;
	int fd2;

	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	t_open = npu_now_ns();
	ns0 = fdinfo_value(fd2, "drm-engine-cpu", NULL, 0);
	ASSERT_EQ(0, ns0);
	mem0 = fdinfo_value(fd2, "drm-total-memory", NULL, 0);
	ASSERT_LE(0, mem0);

	assert_device_works(fd2);
	t_end = npu_now_ns();
	ns1 = fdinfo_value(fd2, "drm-engine-cpu", NULL, 0);
	ASSERT_LT(0, ns1);
	/* the engine time is this file's, within the time it existed */
	ASSERT_GE(t_end - t_open, ns1);
	/* another file did nothing */
	other = fdinfo_value(self->fd, "drm-engine-cpu", NULL, 0);
	ASSERT_EQ(0, other);

	ASSERT_EQ(0, npu_bo_new(fd2, 1 << 20, &bo));
	memset(bo.map, 1, bo.size);
	mem1 = fdinfo_value(fd2, "drm-total-memory", NULL, 0);
	ASSERT_LE(mem0 + (1 << 20), mem1);
	ASSERT_LE(1 << 20, fdinfo_value(fd2, "drm-resident-memory", NULL, 0));
	npu_bo_free(fd2, &bo);
	ASSERT_EQ(mem0, fdinfo_value(fd2, "drm-total-memory", NULL, 0));
	close(fd2);
}

TEST_F(dbg, fault_hang_rejects_large_values)
{
	char *t;

	ASSERT_EQ(-EINVAL, dbg_write(self, "fault_hang", "1001"));
	t = dbg_read(self, "fault_hang");
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, atoi(t));
	free(t);
}

TEST_F_TIMEOUT(dbg, hung_job_times_out, 180)
{
	struct npu_canned hung, next;
	int64_t timeouts0, failed0;
	char pid[16], *t;
	uint64_t seq, seq2;
	uint32_t out;
	int fd2, seen = 0, i;
	struct drm_npu_submit s;

	if (self->lim.job_timeout_ms > 60000)
		SKIP(return, "job_timeout_ms %u", self->lim.job_timeout_ms);
	timeouts0 = engines_col(self, "timeouts");
	failed0 = engines_col(self, "jobs_failed");
	ASSERT_LE(0, timeouts0);
	ASSERT_LE(0, failed0);

	ASSERT_EQ(0, dbg_write(self, "fault_hang", "1"));
	ASSERT_EQ(0, npu_canned_init(self->fd, &hung, 4, 4, 4, 900));
	ASSERT_EQ(0, npu_syncobj_create(self->fd, 0, &out));
	npu_bo_poison(&hung.out);
	npu_submit_args(&s, &hung.cs, hung.bos, 2);
	s.out_syncobj = out;
	ASSERT_EQ(0, npu_submit(self->fd, &s));
	seq = s.seqno;

	/* an innocent job of another file, queued behind the hung one */
	fd2 = npu_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, npu_canned_init(fd2, &next, 5, 5, 5, 901));
	ASSERT_EQ(0, npu_canned_submit(fd2, &next, &seq2));

	/* the hung job shows in "jobs" with our pid while it hangs */
	snprintf(pid, sizeof(pid), " %d ", getpid());
	for (i = 0; i < 100 && !seen; i++) {
		t = dbg_read(self, "jobs");
		ASSERT_NE(NULL, t);
		seen = strstr(t, pid) && strstr(t, "running");
		free(t);
		if (!seen)
			usleep(20000);
	}
	ASSERT_TRUE(seen);
	ASSERT_EQ(-ETIME, npu_wait(self->fd, seq, 0));

	ASSERT_EQ(-ETIMEDOUT, npu_wait(self->fd, seq,
				       (int64_t)self->lim.job_timeout_ms *
				       3000000LL + NPU_WAIT_NS));
	ASSERT_EQ(-ETIMEDOUT, npu_wait(self->fd, seq, 0));
	/* EXPECT from here on: report every broken aspect in one run */
	EXPECT_EQ(-ETIMEDOUT, npu_wait_bo(self->fd, hung.out.handle, 0));
	EXPECT_EQ(-ETIMEDOUT, npu_syncobj_status(self->fd, out));
	/* syncobj waiters wake too */
	EXPECT_EQ(0, npu_syncobj_wait(self->fd, &out, 1, 0, 0));

	/* the innocent job ran, correctly */
	EXPECT_EQ(0, npu_wait(fd2, seq2, NPU_WAIT_NS));
	EXPECT_EQ(0, npu_canned_check(&next));

	EXPECT_EQ(timeouts0 + 1, engines_col(self, "timeouts"));
	EXPECT_EQ(failed0 + 1, engines_col(self, "jobs_failed"));
	t = dbg_read(self, "fault_hang");
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, atoi(t));
	free(t);

	/* the hung job never wrote its output; the file works again */
	EXPECT_TRUE(npu_is_poison(hung.out.map, hung.out.size));
	assert_device_works(self->fd);

	/*
	 * The timed-out job is freed like any other: the engines stop
	 * counting it. (If it is never freed, closing this file below waits
	 * for it forever.)
	 */
	if (npu_wait_idle(self->fd, 10LL * 1000 * 1000 * 1000)) {
		EXPECT_TRUE(0) {
			TH_LOG("the timed-out job is still counted as queued: "
			       "never freed? Parking the file in a child so that "
			       "closing it does not hang this test.");
		}
		park_files_forever();
	}
	npu_canned_fini(self->fd, &hung);
	npu_canned_fini(fd2, &next);
	close(fd2);
}

/*
 * Hold the next job in run_job() with the debugfs knob @knob (1000 ms):
 * "jobs" shows it as starting, with seqno 0, and the job then runs
 * normally; the knob refuses more than 1000 and is consumed.
 */
static void held_job_is_starting(struct __test_metadata *_metadata,
				 FIXTURE_DATA(dbg) *self, const char *knob)
{
	struct npu_canned c;
	char want[64], *t;
	uint64_t seq;
	int seen = 0, i;

	if (self->lim.job_timeout_ms < 2000)
		SKIP(return, "job_timeout_ms %u", self->lim.job_timeout_ms);
	ASSERT_EQ(-EINVAL, dbg_write(self, knob, "1001"));
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 4, 4, 4, 77));
	ASSERT_EQ(0, dbg_write(self, knob, "1000"));
	ASSERT_EQ(0, npu_canned_submit(self->fd, &c, &seq));

	snprintf(want, sizeof(want), " %d 0 starting\n", getpid());
	for (i = 0; i < 500 && !seen; i++) {
		t = dbg_read(self, "jobs");
		ASSERT_NE(NULL, t);
		seen = strstr(t, want) != NULL;
		free(t);
		if (!seen)
			usleep(1000);
	}
	ASSERT_EQ(0, npu_wait(self->fd, seq, NPU_WAIT_NS));
	EXPECT_TRUE(seen);
	EXPECT_EQ(0, npu_canned_check(&c));
	t = dbg_read(self, knob);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(0, atoi(t));
	free(t);
	npu_canned_fini(self->fd, &c);
	assert_device_works(self->fd);
}

/*
 * Regression (guest fuzzer, debug kernel): the scheduler lists a job on its
 * pending list just before run_job() initialises the job's hardware fence,
 * and reading "jobs" in that window went through the fence's NULL ops.
 * fault_run_delay_ms holds the next job in that window.
 */
TEST_F_TIMEOUT(dbg, jobs_lists_a_job_before_it_runs, 120)
{
	held_job_is_starting(_metadata, self, "fault_run_delay_ms");
}

/*
 * Regression (guest fuzzer, debug kernel, seed 109): between setting up
 * the hardware fence and handing the job to the engine, the job must still
 * count as not started (a timeout there aborted a job the engine did not
 * have: WARN in __flush_work; npu_reload.sh test 14 covers the timeout).
 * fault_start_delay_ms holds the next job in that window.
 */
TEST_F_TIMEOUT(dbg, jobs_lists_a_job_before_the_engine_has_it, 120)
{
	held_job_is_starting(_metadata, self, "fault_start_delay_ms");
}

TEST_HARNESS_MAIN
