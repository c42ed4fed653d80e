// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * repro-conv-unit-lockup [--width W] [--kernel KW]: one valid CONV2D whose
 * single work unit is huge runs with preemption disabled and cannot be
 * aborted by the job timeout.
 *
 * The CPU engine (kernel/npu_cpu.c) runs an op's work units between
 * kernel_fpu_begin() and kernel_fpu_end() (preemption off) and checks for
 * an abort only between slices; a slice ends after the unit that crosses
 * 200 us. A CONV2D unit is one output row: C/groups * KH * KW * OW
 * multiply-adds, and the validator bounds only each tensor's element
 * count (2^28), not the work of a unit. X [1, 1, 1, W] and
 * W [1, 1, 1, KW] give one unit of (W - KW + 1) * KW MACs:
 *
 *   W = 2^17, KW = 2^16 (512 KiB + 256 KiB): 4.3e9 MACs in one unit
 *   (the default: ~1 s natively, about a minute under TCG: soft lockup)
 *   W = 2^20, KW = 2^19 (4 MiB + 2 MiB):     2.7e11 MACs in one unit
 *
 * The second one keeps a CPU non-preemptible for minutes natively (soft
 * lockup, RCU stall) and the job's timeout does nothing meanwhile. GEMM
 * has the same shape of problem (a unit is one output row, K * N MACs).
 *
 * Expected: the job finishes or is aborted within job_timeout_ms plus a
 * small margin. The test measures how long past its timeout the job ran.
 * Run only inside the test VM.
 */
#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>

#include "repro.h"

struct stream {
	struct npu_cmd_header h;
	struct npu_cmd_tensor t[3];
	struct npu_cmd_op o;
} __attribute__((aligned(8)));

int main(int argc, char **argv)
{
	uint32_t width = 1U << 17, kw = 1U << 16, bos[3], ow;
	struct drm_npu_query_limits lim;
	struct drm_npu_query q;
	struct stream s;
	int64_t t0, ms, margin_ms = 2000;
	int fd, ret, i, pipefd[2], status;
	uint64_t seqno = 0;
	pid_t pid;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--width"))
			width = (uint32_t)strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--kernel"))
			kw = (uint32_t)strtoul(argv[i + 1], NULL, 0);
	}
	repro_begin("conv-unit-lockup");
	if (!width || !kw || kw > width)
		return repro_skip("bad --width/--kernel");
	ow = width - kw + 1;
	fd = repro_open();
	if (fd < 0)
		return repro_skip("no npu device");
	memset(&q, 0, sizeof(q));
	q.query = DRM_NPU_QUERY_LIMITS;
	q.size = sizeof(lim);
	q.data = (uintptr_t)&lim;
	if (repro_ioctl(fd, DRM_IOCTL_NPU_QUERY, &q))
		return repro_skip("QUERY LIMITS failed");

	memset(&s, 0, sizeof(s));
	s.h.magic = NPU_CMD_MAGIC;
	s.h.version = NPU_CMD_VERSION;
	s.h.header_size = sizeof(s.h);
	s.h.size = sizeof(s);
	s.h.num_tensors = 3;
	s.h.num_ops = 1;
	s.h.tensor_offset = sizeof(s.h);
	s.h.op_offset = sizeof(s.h) + sizeof(s.t);
	for (i = 0; i < 3; i++) {
		s.t[i].bo_index = i;
		s.t[i].dtype = NPU_DTYPE_F32;
		s.t[i].ndim = 4;
		s.t[i].shape[0] = s.t[i].shape[1] = s.t[i].shape[2] = 1;
		s.t[i].scale_tensor = NPU_CMD_NO_TENSOR;
	}
	s.t[0].shape[3] = width;	/* X [1, 1, 1, W] */
	s.t[1].shape[3] = kw;		/* W [1, 1, 1, KW] */
	s.t[2].shape[3] = ow;		/* Y [1, 1, 1, W - KW + 1] */
	s.o.opcode = NPU_OP_CONV2D;
	s.o.num_inputs = 3;
	s.o.num_outputs = 1;
	s.o.inputs[0] = 0;
	s.o.inputs[1] = 1;
	s.o.inputs[2] = s.o.inputs[3] = NPU_CMD_NO_TENSOR;
	s.o.outputs[0] = 2;
	s.o.outputs[1] = NPU_CMD_NO_TENSOR;
	s.o.conv2d.stride_h = s.o.conv2d.stride_w = 1;
	s.o.conv2d.dilation_h = s.o.conv2d.dilation_w = 1;
	s.o.conv2d.groups = 1;

	repro_diag("CONV2D X [1,1,1,%u] W [1,1,1,%u]: one unit of %.3g MACs; job_timeout_ms %u",
		   width, kw, (double)ow * kw, lim.job_timeout_ms);
	close(fd);
	if (pipe(pipefd))
		return repro_skip("pipe");

	/*
	 * The job runs in a child with its own file: if the kernel also leaks
	 * timed-out jobs (repro-timeout-leak), the child's exit blocks, and
	 * the parent must still report and exit.
	 */
	t0 = repro_now_ns();
	pid = fork();
	if (pid == 0) {
		int cfd = repro_open();

		ret = cfd < 0 ? cfd : 0;
		if (!ret)
			ret = repro_bo(cfd, (uint64_t)width * 4, &bos[0], NULL);
		if (!ret)
			ret = repro_bo(cfd, (uint64_t)kw * 4, &bos[1], NULL);
		if (!ret)
			ret = repro_bo(cfd, (uint64_t)ow * 4, &bos[2], NULL);
		if (!ret)
			ret = repro_submit(cfd, &s, sizeof(s), bos, 3, &seqno);
		if (ret)
			ret = 1000 - ret;	/* setup error */
		else
			ret = repro_wait(cfd, seqno, 600000000000LL);
		if (write(pipefd[1], &ret, sizeof(ret)) != sizeof(ret))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	{
		/* wait up to job_timeout_ms + margin + 60 s for the verdict */
		int64_t limit = (int64_t)lim.job_timeout_ms + margin_ms + 60000;
		fd_set rs;
		struct timeval tv;

		FD_ZERO(&rs);
		FD_SET(pipefd[0], &rs);
		tv.tv_sec = limit / 1000;
		tv.tv_usec = (limit % 1000) * 1000;
		if (select(pipefd[0] + 1, &rs, NULL, NULL, &tv) <= 0 ||
		    read(pipefd[0], &ret, sizeof(ret)) != sizeof(ret)) {
			ms = (repro_now_ns() - t0) / 1000000;
			return repro_end(0, "the job still runs %lld ms after submit, its timeout is "
					 "%u ms (check dmesg for soft lockups)", (long long)ms,
					 lim.job_timeout_ms);
		}
	}
	if (ret > 0)
		return repro_skip("setup failed (BO_CREATE or SUBMIT)");
	ms = (repro_now_ns() - t0) / 1000000;
	repro_diag("job finished with %d (%s) after %lld ms", ret, ret ? strerror(-ret) : "ok",
		   (long long)ms);
	/* a job past its timeout must fail with -ETIMEDOUT (npu.rst) */
	if (ms > (int64_t)lim.job_timeout_ms + margin_ms && !ret)
		repro_diag("it ran past its timeout and still reported success");
	/* do not reap the child: its exit may block (repro-timeout-leak) */
	(void)status;
	return repro_end(ms <= (int64_t)lim.job_timeout_ms + margin_ms,
			 "job ran %lld ms, timeout %u ms", (long long)ms, lim.job_timeout_ms);
}
