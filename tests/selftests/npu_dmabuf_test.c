// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Zero-copy buffers:
 *  - dma-buf import from udmabuf (memfd pages) as a job's input and output,
 *    import rules (same handle twice, the import outlives the exporter's
 *    fd, memfd and mapping) and hostile fds;
 *  - a vivid (virtual V4L2 camera) frame exported with VIDIOC_EXPBUF and
 *    read by a job in place;
 *  - BO mappings are ordinary shmem pages: coherent with the job's kernel
 *    mapping, and accepted by get_user_pages(), so io_uring SEND_ZC,
 *    SENDMSG_ZC and registered buffers send straight from a BO over TCP;
 *    MAP_PRIVATE stays refused.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/udmabuf.h>
#include <linux/videodev2.h>

#include "npu_harness.h"
#include "npu_uring_zc.h"

#define PAGE		4096UL
#define ZC_TIMEOUT_MS	30000

FIXTURE(zc) {
	int fd;
};

FIXTURE_SETUP(zc)
{
	self->fd = npu_open();
	if (self->fd == -ENODEV)
		SKIP(return, "no npu device (is npu.ko loaded?)");
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(zc)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ------------------------------------------------------------------ */
/* udmabuf                                                             */

struct udma {
	int memfd;
	int dmabuf;
	uint8_t *map;		/* the memfd's mapping */
	size_t size;
};

static void udma_free(struct udma *u)
{
	if (u->map)
		munmap(u->map, u->size);
	if (u->dmabuf >= 0)
		close(u->dmabuf);
	if (u->memfd >= 0)
		close(u->memfd);
	u->map = NULL;
	u->dmabuf = -1;
	u->memfd = -1;
}

/*
 * A dma-buf of @size bytes (page multiple) over the pages of a sealed
 * memfd, which stays mapped at u->map. Plain 4 KiB pages: udmabuf's vmap
 * in 6.12 is only right for order-0 folios (no MFD_HUGETLB).
 * -ENOENT: no /dev/udmabuf.
 */
static int udma_new(size_t size, struct udma *u)
{
	struct udmabuf_create c;
	int dev, ret;

	memset(u, 0, sizeof(*u));
	u->dmabuf = -1;
	u->size = size;
	u->memfd = memfd_create("npu-udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (u->memfd < 0)
		return -errno;
	if (ftruncate(u->memfd, size) || fcntl(u->memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		ret = -errno;
		goto err;
	}
	u->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, u->memfd, 0);
	if (u->map == MAP_FAILED) {
		u->map = NULL;
		ret = -errno;
		goto err;
	}
	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		ret = -errno;
		goto err;
	}
	memset(&c, 0, sizeof(c));
	c.memfd = u->memfd;
	c.flags = UDMABUF_FLAGS_CLOEXEC;
	c.offset = 0;
	c.size = size;
	u->dmabuf = ioctl(dev, UDMABUF_CREATE, &c);
	ret = u->dmabuf < 0 ? -errno : 0;
	close(dev);
	if (ret)
		goto err;
	return 0;
err:
	udma_free(u);
	return ret;
}

#define NEED_UDMABUF()							\
	do {								\
		if (access("/dev/udmabuf", F_OK))			\
			SKIP(return, "no /dev/udmabuf (CONFIG_UDMABUF off in this kernel)"); \
	} while (0)

static size_t page_up(size_t n)
{
	return (n + PAGE - 1) & ~(PAGE - 1);
}

/* The canned GEMM with its input in udmabuf pages (written through the memfd). */
TEST_F(zc, udmabuf_job_input)
{
	struct npu_canned c;
	struct udma u;
	uint32_t h, bos[2];
	uint64_t seqno;

	NEED_UDMABUF();
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 7, 9, 5, 11));
	ASSERT_EQ(0, udma_new(page_up(c.in.size), &u));
	memcpy(u.map, c.in.map, c.in.size);
	/* the job can only get its operands from the memfd's pages */
	memset(c.in.map, 0, c.in.size);
	ASSERT_EQ(0, npu_prime_import(self->fd, u.dmabuf, &h));
	bos[0] = h;
	bos[1] = c.out.handle;
	npu_bo_poison(&c.out);
	ASSERT_EQ(0, npu_cs_submit(self->fd, &c.cs, bos, 2, &seqno));
	ASSERT_EQ(0, npu_wait(self->fd, seqno, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	/* WAIT_BO on the imported handle: the job is done */
	ASSERT_EQ(0, npu_wait_bo(self->fd, h, 0));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	udma_free(&u);
	npu_canned_fini(self->fd, &c);
	assert_device_works(self->fd);
}

/* The canned GEMM writing into udmabuf pages, read back through the memfd. */
TEST_F(zc, udmabuf_job_output)
{
	struct npu_canned c;
	struct udma u;
	uint32_t h, bos[2];
	uint64_t seqno;
	size_t ylen, i;

	NEED_UDMABUF();
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 6, 8, 10, 12));
	ylen = (size_t)c.m * c.n * sizeof(float);
	ASSERT_EQ(0, udma_new(page_up(ylen), &u));
	memset(u.map, NPU_POISON, u.size);
	ASSERT_EQ(0, npu_prime_import(self->fd, u.dmabuf, &h));
	bos[0] = c.in.handle;
	bos[1] = h;
	ASSERT_EQ(0, npu_cs_submit(self->fd, &c.cs, bos, 2, &seqno));
	ASSERT_EQ(0, npu_wait(self->fd, seqno, NPU_WAIT_NS));
	for (i = 0; i < (size_t)c.m * c.n; i++) {
		float y;

		memcpy(&y, u.map + i * 4, 4);
		ASSERT_EQ(c.ref[i], y)
			TH_LOG("Y[%zu] = %g, expected %g", i, y, c.ref[i]);
	}
	/* and nothing past Y */
	ASSERT_TRUE(npu_is_poison(u.map + ylen, u.size - ylen));
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
	udma_free(&u);
	npu_canned_fini(self->fd, &c);
	assert_device_works(self->fd);
}

/* Importing one dma-buf twice (also through a dup) gives one handle. */
TEST_F(zc, udmabuf_import_twice_same_handle)
{
	struct npu_canned c;
	struct udma u;
	uint32_t h1, h2, h3, bos[2];
	uint64_t seqno;
	int d2;

	NEED_UDMABUF();
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 3, 4, 5, 13));
	ASSERT_EQ(0, udma_new(page_up(c.in.size), &u));
	memcpy(u.map, c.in.map, c.in.size);
	memset(c.in.map, 0, c.in.size);
	ASSERT_EQ(0, npu_prime_import(self->fd, u.dmabuf, &h1));
	ASSERT_EQ(0, npu_prime_import(self->fd, u.dmabuf, &h2));
	ASSERT_EQ(h1, h2);
	d2 = dup(u.dmabuf);
	ASSERT_LE(0, d2);
	ASSERT_EQ(0, npu_prime_import(self->fd, d2, &h3));
	ASSERT_EQ(h1, h3);
	close(d2);
	/* closing the dma-buf fd: the import holds its own reference */
	close(u.dmabuf);
	u.dmabuf = -1;
	bos[0] = h1;
	bos[1] = c.out.handle;
	npu_bo_poison(&c.out);
	ASSERT_EQ(0, npu_cs_submit(self->fd, &c.cs, bos, 2, &seqno));
	ASSERT_EQ(0, npu_wait(self->fd, seqno, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));
	/* one GEM handle: one close, the second one fails */
	ASSERT_EQ(0, npu_gem_close(self->fd, h1));
	ASSERT_EQ(-EINVAL, npu_gem_close(self->fd, h2));
	udma_free(&u);
	npu_canned_fini(self->fd, &c);
	assert_device_works(self->fd);
}

/*
 * The exporter lets go of everything (udmabuf fd closed, memfd unmapped and
 * closed): the import still holds the dma-buf, which holds the pages. Jobs
 * still read the data written before, and write into those pages, which a
 * mapping of the imported BO (udmabuf's own mmap, through dma_buf_mmap())
 * shows.
 */
TEST_F(zc, udmabuf_import_outlives_exporter)
{
	struct npu_canned c;
	struct udma ui, uo;
	uint32_t hi, ho, bos[2];
	uint64_t seqno, off, size;
	size_t ylen, i;
	uint8_t *p;

	NEED_UDMABUF();
	ASSERT_EQ(0, npu_canned_init(self->fd, &c, 5, 7, 9, 14));
	ylen = (size_t)c.m * c.n * sizeof(float);
	ASSERT_EQ(0, udma_new(page_up(c.in.size), &ui));
	ASSERT_EQ(0, udma_new(page_up(ylen), &uo));
	memcpy(ui.map, c.in.map, c.in.size);
	memset(uo.map, NPU_POISON, uo.size);
	ASSERT_EQ(0, npu_prime_import(self->fd, ui.dmabuf, &hi));
	ASSERT_EQ(0, npu_prime_import(self->fd, uo.dmabuf, &ho));
	udma_free(&ui);
	udma_free(&uo);

	bos[0] = hi;
	bos[1] = c.out.handle;
	npu_bo_poison(&c.out);
	ASSERT_EQ(0, npu_cs_submit(self->fd, &c.cs, bos, 2, &seqno));
	ASSERT_EQ(0, npu_wait(self->fd, seqno, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_canned_check(&c));

	bos[0] = c.in.handle;
	bos[1] = ho;
	ASSERT_EQ(0, npu_cs_submit(self->fd, &c.cs, bos, 2, &seqno));
	ASSERT_EQ(0, npu_wait(self->fd, seqno, NPU_WAIT_NS));
	ASSERT_EQ(0, npu_bo_info(self->fd, ho, &off, &size));
	ASSERT_EQ(page_up(ylen), size);
	p = mmap(NULL, size, PROT_READ, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < (size_t)c.m * c.n; i++) {
		float y;

		memcpy(&y, p + i * 4, 4);
		ASSERT_EQ(c.ref[i], y);
	}
	ASSERT_TRUE(npu_is_poison(p + ylen, size - ylen));
	munmap(p, size);
	ASSERT_EQ(0, npu_gem_close(self->fd, hi));
	ASSERT_EQ(0, npu_gem_close(self->fd, ho));
	npu_canned_fini(self->fd, &c);
	assert_device_works(self->fd);
}

/* fds that are not dma-bufs, and fds that are not open. */
TEST_F(zc, import_not_a_dmabuf)
{
	int memfd, sock, fd;
	uint32_t h = 0;

	memfd = memfd_create("npu-not-dmabuf", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, PAGE));
	ASSERT_EQ(-EINVAL, npu_prime_import(self->fd, memfd, &h));
	close(memfd);
	sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, sock);
	ASSERT_EQ(-EINVAL, npu_prime_import(self->fd, sock, &h));
	/* a closed fd */
	fd = sock;
	close(sock);
	ASSERT_EQ(-EBADF, npu_prime_import(self->fd, fd, &h));
	ASSERT_EQ(-EBADF, npu_prime_import(self->fd, -1, &h));
	assert_device_works(self->fd);
}

/* ------------------------------------------------------------------ */
/* A dequantize job: U8 bytes in BO 0 -> F32 in BO 1, exact            */

#define DQ_SCALE	0.25f
#define DQ_ZP		100

static float dq_ref(uint8_t q)
{
	return (float)((int32_t)q - DQ_ZP) * DQ_SCALE;
}

/* Y[rows, cols] F32 at offset 0 of BO 1 = dequantized X[rows, cols] U8 at @xoff of BO 0. */
static int dq_cs(struct npu_cs *cs, uint64_t xoff, uint32_t rows, uint32_t cols)
{
	uint32_t x, y;

	npu_cs_init(cs);
	x = npu_cs_add_tensor(cs, 0, NPU_DTYPE_U8, xoff, rows, cols);
	npu_cs_quant(cs, x, DQ_SCALE, DQ_ZP);
	y = npu_cs_add_tensor(cs, 1, NPU_DTYPE_F32, 0, rows, cols);
	npu_cs_op(cs, NPU_OP_DEQUANTIZE, 1, &x, 1, &y);
	return npu_cs_pack(cs);
}

static int dq_run(int fd, uint32_t xbo, uint32_t ybo, uint32_t rows, uint32_t cols)
{
	struct npu_cs cs;
	uint32_t bos[2] = { xbo, ybo };
	uint64_t seqno;
	int ret;

	ret = dq_cs(&cs, 0, rows, cols);
	if (!ret)
		ret = npu_cs_submit(fd, &cs, bos, 2, &seqno);
	if (!ret)
		ret = npu_wait(fd, seqno, NPU_WAIT_NS);
	npu_cs_fini(&cs);
	return ret;
}

/* Index of the first element of @y (n floats) that differs from dq_ref(x[i]), or -1. */
static long dq_mismatch(const uint8_t *x, const void *y, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		float v;

		memcpy(&v, (const uint8_t *)y + i * 4, 4);
		if (v != dq_ref(x[i]))
			return (long)i;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* vivid: camera frame -> job input, no CPU copy                       */

static int xioctl(int fd, unsigned long req, void *arg)
{
	return npu_ioctl(fd, req, arg);
}

/* The first vivid video capture node (single-planar, streaming), or -ENODEV. */
static int vivid_find(char *path, size_t len)
{
	struct v4l2_capability cap;
	char p[64];
	int i, fd;

	for (i = 0; i < 64; i++) {
		snprintf(p, sizeof(p), "/dev/video%d", i);
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&cap, 0, sizeof(cap));
		if (!xioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((const char *)cap.driver, "vivid") &&
		    (cap.device_caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    (cap.device_caps & V4L2_CAP_STREAMING)) {
			snprintf(path, len, "%s", p);
			return fd;
		}
		close(fd);
	}
	return -ENODEV;
}

#define VIVID_BUFS	2

struct vbuf {
	uint8_t *map;
	size_t len;
	int dmabuf;
	uint32_t handle;
};

static int frame_distinct_values(const uint8_t *p, size_t n)
{
	int seen[256] = { 0 }, count = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (!seen[p[i]]++)
			count++;
	return count;
}

/*
 * vivid's capture queue (vb2-vmalloc, MMAP buffers) exports each buffer as
 * a dma-buf (VIDIOC_EXPBUF); the npu imports it once. Per frame: DQBUF,
 * run a job that dequantizes the GREY frame in place, compare with the CPU
 * on the V4L2 mapping of the same buffer, then QBUF (only after the job:
 * V4L2 puts no fences on its dma-bufs). The second frame is overwritten
 * through the V4L2 mapping first: the job must see those bytes, so it reads
 * the camera's buffer itself, not a copy taken at import.
 */
TEST_F_TIMEOUT(zc, vivid_frame_to_job, 120)
{
	struct v4l2_requestbuffers rb;
	struct v4l2_format f;
	struct v4l2_buffer b;
	struct vbuf vb[VIVID_BUFS];
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct npu_bo out;
	char path[64];
	uint32_t w, h, bpl, frame;
	size_t n, i;
	int vfd, st;
	long bad;

	vfd = vivid_find(path, sizeof(path));
	if (vfd < 0) {
		st = system("modprobe vivid n_devs=1 >/dev/null 2>&1");
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))
			SKIP(return, "vivid is not available in this kernel (modprobe vivid failed)");
		for (i = 0; i < 50 && vfd < 0; i++) {
			vfd = vivid_find(path, sizeof(path));
			if (vfd < 0)
				usleep(100000);
		}
	}
	ASSERT_LE(0, vfd) TH_LOG("vivid is loaded but has no video capture node");
	TH_LOG("vivid capture node %s", path);

	memset(&f, 0, sizeof(f));
	f.type = type;
	f.fmt.pix.width = 320;
	f.fmt.pix.height = 180;
	f.fmt.pix.pixelformat = V4L2_PIX_FMT_GREY;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, xioctl(vfd, VIDIOC_S_FMT, &f));
	ASSERT_EQ(V4L2_PIX_FMT_GREY, f.fmt.pix.pixelformat);
	w = f.fmt.pix.width;
	h = f.fmt.pix.height;
	bpl = f.fmt.pix.bytesperline;
	ASSERT_LE(w, bpl);
	ASSERT_LE((size_t)bpl * h, f.fmt.pix.sizeimage);
	n = (size_t)bpl * h;
	TH_LOG("frame %ux%u GREY, %u bytes per line", w, h, bpl);

	memset(&rb, 0, sizeof(rb));
	rb.count = VIVID_BUFS;
	rb.type = type;
	rb.memory = V4L2_MEMORY_MMAP;
	ASSERT_EQ(0, xioctl(vfd, VIDIOC_REQBUFS, &rb));
	ASSERT_EQ(VIVID_BUFS, rb.count);

	for (i = 0; i < VIVID_BUFS; i++) {
		struct v4l2_exportbuffer e;

		memset(&b, 0, sizeof(b));
		b.type = type;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		ASSERT_EQ(0, xioctl(vfd, VIDIOC_QUERYBUF, &b));
		ASSERT_LE(n, b.length);
		vb[i].len = b.length;
		vb[i].map = mmap(NULL, b.length, PROT_READ | PROT_WRITE, MAP_SHARED,
				 vfd, b.m.offset);
		ASSERT_NE(MAP_FAILED, vb[i].map);

		memset(&e, 0, sizeof(e));
		e.type = type;
		e.index = i;
		e.flags = O_RDWR | O_CLOEXEC;
		ASSERT_EQ(0, xioctl(vfd, VIDIOC_EXPBUF, &e));
		vb[i].dmabuf = e.fd;
		ASSERT_EQ(0, npu_prime_import(self->fd, e.fd, &vb[i].handle));
		ASSERT_EQ(0, xioctl(vfd, VIDIOC_QBUF, &b));
	}
	ASSERT_EQ(0, npu_bo_new(self->fd, n * 4, &out));
	ASSERT_EQ(0, xioctl(vfd, VIDIOC_STREAMON, &type));

	for (frame = 0; frame < 2; frame++) {
		struct pollfd pfd = { .fd = vfd, .events = POLLIN };
		uint8_t *x;

		ASSERT_EQ(1, poll(&pfd, 1, 20000)) TH_LOG("no frame from vivid in 20 s");
		memset(&b, 0, sizeof(b));
		b.type = type;
		b.memory = V4L2_MEMORY_MMAP;
		ASSERT_EQ(0, xioctl(vfd, VIDIOC_DQBUF, &b));
		ASSERT_GT(VIVID_BUFS, b.index);
		ASSERT_LE(n, b.bytesused);
		x = vb[b.index].map;
		if (frame == 0) {
			/* vivid's test pattern, not a blank frame */
			ASSERT_LE(4, frame_distinct_values(x, n));
		} else {
			for (i = 0; i < n; i++)
				x[i] = (uint8_t)(i * 13 + 7);
		}
		npu_bo_poison(&out);
		ASSERT_EQ(0, dq_run(self->fd, vb[b.index].handle, out.handle, h, bpl));
		bad = dq_mismatch(x, out.map, n);
		ASSERT_EQ(-1, bad) TH_LOG("frame %u: Y[%ld] wrong (pixel %u)", frame, bad,
					  bad >= 0 ? x[bad] : 0);
		ASSERT_TRUE(npu_is_poison(out.map + n * 4, out.size - n * 4));
		/* the job is finished: the buffer may go back to the camera */
		ASSERT_EQ(0, xioctl(vfd, VIDIOC_QBUF, &b));
	}

	ASSERT_EQ(0, xioctl(vfd, VIDIOC_STREAMOFF, &type));
	for (i = 0; i < VIVID_BUFS; i++) {
		ASSERT_EQ(0, npu_gem_close(self->fd, vb[i].handle));
		close(vb[i].dmabuf);
		munmap(vb[i].map, vb[i].len);
	}
	npu_bo_free(self->fd, &out);
	memset(&rb, 0, sizeof(rb));
	rb.type = type;
	rb.memory = V4L2_MEMORY_MMAP;
	ASSERT_EQ(0, xioctl(vfd, VIDIOC_REQBUFS, &rb));
	close(vfd);
	assert_device_works(self->fd);
}

/* ------------------------------------------------------------------ */
/* BO mappings                                                         */

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t st = seed;
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)npu_rand(&st);
}

/*
 * One page, three CPU views (a mapping made before the job, one made after,
 * one of the exported dma-buf) and the job's kernel mapping: all the same
 * bytes, in both directions, across jobs.
 */
TEST_F(zc, bo_mmap_coherent_with_jobs)
{
	const uint32_t rows = 16, cols = 256;	/* 4 KiB of U8, 16 KiB of F32 */
	struct npu_bo in, out;
	size_t n = (size_t)rows * cols, size;
	uint8_t *late, *dmap;
	int dmabuf, round;

	ASSERT_EQ(0, npu_bo_new(self->fd, n, &in));
	ASSERT_EQ(0, npu_bo_new(self->fd, n * 4, &out));
	ASSERT_EQ(0, npu_prime_export(self->fd, in.handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	dmap = mmap(NULL, in.size, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, dmap);

	for (round = 0; round < 3; round++) {
		/* the input through the device mapping, then the dma-buf one */
		if (round == 1)
			fill_random(dmap, n, 77);
		else
			fill_random(in.map, n, 1000 + round);
		ASSERT_EQ(0, memcmp(in.map, dmap, n));
		npu_bo_poison(&out);
		ASSERT_EQ(0, dq_run(self->fd, in.handle, out.handle, rows, cols));
		ASSERT_EQ(-1, dq_mismatch(in.map, out.map, n));
		late = npu_bo_mmap(self->fd, out.handle, &size);
		ASSERT_NE(NULL, late);
		ASSERT_EQ(0, memcmp(late, out.map, size));
		munmap(late, size);
	}
	munmap(dmap, in.size);
	close(dmabuf);
	npu_bo_free(self->fd, &in);
	npu_bo_free(self->fd, &out);
}

/* Copy-on-write mappings stay refused, through the device and the dma-buf. */
TEST_F(zc, bo_mmap_private_refused)
{
	uint64_t off, size;
	uint32_t h;
	void *p;
	int dmabuf;

	ASSERT_EQ(0, npu_bo_create(self->fd, 2 * PAGE, &h));
	ASSERT_EQ(0, npu_bo_info(self->fd, h, &off, &size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd, off);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, self->fd, off);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, npu_prime_export(self->fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, dmabuf, 0);
	ASSERT_EQ(MAP_FAILED, p);
	ASSERT_EQ(EINVAL, errno);
	close(dmabuf);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

/*
 * A dma-buf mapping at a page offset shows that page of the BO (the shmem
 * helper's fault handler ignored the offset and showed page 0).
 */
TEST_F(zc, dmabuf_mmap_at_offset)
{
	uint64_t size = 2 * PAGE;
	uint32_t h;
	void *p;
	int dmabuf;

	ASSERT_EQ(0, npu_bo_create(self->fd, size, &h));
	ASSERT_EQ(0, npu_prime_export(self->fd, h, DRM_CLOEXEC | DRM_RDWR, &dmabuf));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, PAGE);
	ASSERT_NE(MAP_FAILED, p);
	((uint8_t *)p)[0] = 0x5a;
	munmap(p, PAGE);
	p = npu_bo_mmap(self->fd, h, NULL);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0x5a, ((uint8_t *)p)[PAGE]);
	ASSERT_EQ(0, ((uint8_t *)p)[0]);
	munmap(p, size);
	close(dmabuf);
	ASSERT_EQ(0, npu_gem_close(self->fd, h));
}

/* ------------------------------------------------------------------ */
/* SEND_ZC from a BO mapping                                           */

/* Bring the loopback interface up (the VM does not). */
static int loopback_up(void)
{
	struct ifreq ifr;
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr))
			ret = -errno;
	}
	close(s);
	return ret;
}

/* A connected TCP pair over 127.0.0.1: *@tx sends, *@rx receives. */
static int tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct timeval tv = { .tv_sec = 60 };
	int l, c = -1, s = -1, ret;

	ret = loopback_up();
	if (ret)
		return ret;
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		goto err;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		goto err;
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		goto err;
	if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		goto err;
	close(l);
	*tx = c;
	*rx = s;
	return 0;
err:
	ret = -errno;
	if (s >= 0)
		close(s);
	if (c >= 0)
		close(c);
	close(l);
	return ret;
}

struct receiver {
	pthread_t thread;
	int fd;
	uint8_t *buf;
	size_t want, got;
	int err;
};

static void *receiver_main(void *arg)
{
	struct receiver *r = arg;

	while (r->got < r->want) {
		ssize_t k = recv(r->fd, r->buf + r->got, r->want - r->got, 0);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r->err = k < 0 ? errno : EPIPE;
			break;
		}
		r->got += (size_t)k;
	}
	return NULL;
}

enum zc_mode {
	ZC_SEND,		/* IORING_OP_SEND_ZC */
	ZC_SEND_FIXED,		/* SEND_ZC from a registered buffer */
	ZC_SENDMSG,		/* IORING_OP_SENDMSG_ZC */
};

/*
 * Send @len bytes at @p (inside a BO mapping) over a loopback TCP pair
 * with zero-copy io_uring sends, each completing as a result CQE with
 * IORING_CQE_F_MORE and then an IORING_CQE_F_NOTIF CQE; the receiver must
 * get exactly @expect.
 */
static void zc_send_check(struct __test_metadata *_metadata, uint8_t *p, size_t len,
			  const uint8_t *expect, enum zc_mode mode)
{
	struct receiver rcv;
	struct npu_ring ring;
	struct npu_zc_result z;
	struct iovec iov;
	struct msghdr msg;
	size_t done = 0;
	int tx = -1, sends = 0;
	uint64_t ud;

	ASSERT_EQ(0, tcp_pair(&tx, &rcv.fd));
	ASSERT_EQ(0, npu_ring_init(&ring, 8, 0));
	if (mode == ZC_SEND_FIXED) {
		iov.iov_base = p;
		iov.iov_len = len;
		/* pins the BO's pages long-term (FOLL_LONGTERM) */
		ASSERT_EQ(0, npu_ring_register_buffers(&ring, &iov, 1));
	}
	rcv.buf = malloc(len);
	ASSERT_NE(NULL, rcv.buf);
	rcv.want = len;
	rcv.got = 0;
	rcv.err = 0;
	ASSERT_EQ(0, pthread_create(&rcv.thread, NULL, receiver_main, &rcv));

	while (done < len) {
		struct io_uring_sqe *sqe = npu_ring_sqe(&ring);

		ASSERT_NE(NULL, sqe);
		ud = 0x2c000 + sends;
		switch (mode) {
		case ZC_SEND:
			npu_prep_send_zc(sqe, tx, p + done, len - done, MSG_WAITALL, -1, ud);
			break;
		case ZC_SEND_FIXED:
			npu_prep_send_zc(sqe, tx, p + done, len - done, MSG_WAITALL, 0, ud);
			break;
		case ZC_SENDMSG:
			iov.iov_base = p + done;
			iov.iov_len = len - done;
			memset(&msg, 0, sizeof(msg));
			msg.msg_iov = &iov;
			msg.msg_iovlen = 1;
			npu_prep_sendmsg_zc(sqe, tx, &msg, MSG_WAITALL, ud);
			break;
		}
		ASSERT_EQ(1, npu_ring_submit(&ring, 0));
		ASSERT_EQ(0, npu_zc_reap(&ring, ud, &z, ZC_TIMEOUT_MS));
		ASSERT_LT(0, z.res) TH_LOG("zero-copy send of %zu bytes: %s", len - done,
					   strerror(-z.res));
		ASSERT_TRUE(z.flags & IORING_CQE_F_MORE);
		ASSERT_TRUE(z.got_notif);
		ASSERT_EQ(0, z.notif_flags & IORING_CQE_F_MORE);
		ASSERT_GE(len - done, (size_t)z.res);
		done += (size_t)z.res;
		sends++;
	}
	ASSERT_EQ(0, pthread_join(rcv.thread, NULL));
	ASSERT_EQ(0, rcv.err) TH_LOG("receiver: %s", strerror(rcv.err));
	ASSERT_EQ(len, rcv.got);
	ASSERT_EQ(0, memcmp(rcv.buf, expect, len));
	TH_LOG("%zu bytes in %d zero-copy send(s), received intact", len, sends);
	if (mode == ZC_SEND_FIXED)
		ASSERT_EQ(0, npu_ring_unregister_buffers(&ring));
	free(rcv.buf);
	npu_ring_exit(&ring);
	close(tx);
	close(rcv.fd);
}

/*
 * A job writes @len bytes (F32) into an output BO; its bytes, through a
 * fresh mapping (or the exported dma-buf's with @via_dmabuf), go out with
 * zero-copy sends. With @close_first the BO's handle is closed before the
 * send (the mapping alone keeps the pages).
 */
static void job_then_send(struct __test_metadata *_metadata, int fd, size_t len,
			  enum zc_mode mode, int via_dmabuf, int close_first)
{
	const uint32_t cols = 1024;
	uint32_t rows = (uint32_t)(len / 4 / cols);
	size_t n = (size_t)rows * cols, size;
	struct npu_bo in;
	uint8_t *expect, *p;
	uint32_t handle;
	int dmabuf = -1;
	size_t i;

	ASSERT_EQ(len, n * 4);
	ASSERT_EQ(0, npu_bo_new(fd, n, &in));
	ASSERT_EQ(0, npu_bo_create(fd, len, &handle));
	fill_random(in.map, n, len + mode);
	ASSERT_EQ(0, dq_run(fd, in.handle, handle, rows, cols));

	expect = malloc(len);
	ASSERT_NE(NULL, expect);
	for (i = 0; i < n; i++) {
		float v = dq_ref(in.map[i]);

		memcpy(expect + i * 4, &v, 4);
	}
	if (via_dmabuf) {
		ASSERT_EQ(0, npu_prime_export(fd, handle, DRM_CLOEXEC | DRM_RDWR, &dmabuf));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
		ASSERT_NE(MAP_FAILED, p);
		size = len;
	} else {
		p = npu_bo_mmap(fd, handle, &size);
		ASSERT_NE(NULL, p);
		ASSERT_EQ(len, size);
	}
	/* the mapping shows what the job wrote */
	ASSERT_EQ(0, memcmp(p, expect, len));
	if (close_first)
		ASSERT_EQ(0, npu_gem_close(fd, handle));

	zc_send_check(_metadata, p, len, expect, mode);

	munmap(p, size);
	if (dmabuf >= 0)
		close(dmabuf);
	if (!close_first)
		ASSERT_EQ(0, npu_gem_close(fd, handle));
	npu_bo_free(fd, &in);
	free(expect);
}

/*
 * One ring, two SQEs: SUBMIT (IOSQE_IO_LINK) of a job writing the output
 * BO, then SEND_ZC straight from the BO's mapping. io_uring starts the send
 * only after the SUBMIT's CQE, which comes when the job has finished: the
 * receiver must get the job's bytes, never the poison written before.
 * With @fail the SUBMIT is refused and the linked send is cancelled
 * (-ECANCELED, nothing sent).
 */
static void linked_submit_send(struct __test_metadata *_metadata, int fd,
			       size_t len, int fail)
{
	const uint32_t cols = 1024;
	uint32_t rows = (uint32_t)(len / 4 / cols), handle, bos[2];
	struct drm_npu_uring_submit us;
	struct drm_npu_submit s;
	struct io_uring_sqe *sqe;
	struct npu_zc_result z;
	struct receiver rcv;
	struct npu_ring ring;
	struct npu_cqe cqe;
	struct npu_bo in;
	struct npu_cs cs;
	uint8_t *expect, *p;
	size_t n = (size_t)rows * cols, size, i;
	int tx;

	ASSERT_EQ(0, npu_bo_new(fd, n, &in));
	ASSERT_EQ(0, npu_bo_create(fd, len, &handle));
	fill_random(in.map, n, len + 77);
	p = npu_bo_mmap(fd, handle, &size);
	ASSERT_NE(NULL, p);
	memset(p, NPU_POISON, len);
	expect = malloc(len);
	ASSERT_NE(NULL, expect);
	for (i = 0; i < n; i++) {
		float v = dq_ref(in.map[i]);

		memcpy(expect + i * 4, &v, 4);
	}
	ASSERT_EQ(0, dq_cs(&cs, 0, rows, cols));
	bos[0] = in.handle;
	bos[1] = handle;
	npu_submit_args(&s, &cs, bos, 2);
	if (fail)
		s.flags = 1;
	us = (struct drm_npu_uring_submit){ .submits = (uintptr_t)&s, .count = 1 };

	ASSERT_EQ(0, tcp_pair(&tx, &rcv.fd));
	rcv.buf = malloc(len);
	ASSERT_NE(NULL, rcv.buf);
	rcv.want = fail ? 1 : len;
	rcv.got = 0;
	rcv.err = 0;
	ASSERT_EQ(0, npu_ring_init(&ring, 8, IORING_SETUP_CQE32));
	sqe = npu_ring_sqe(&ring);
	npu_prep_cmd(&ring, sqe, fd, DRM_NPU_URING_CMD_SUBMIT, &us, sizeof(us), 1);
	sqe->flags |= IOSQE_IO_LINK;
	sqe = npu_ring_sqe(&ring);
	npu_prep_send_zc(sqe, tx, p, len, MSG_WAITALL, -1, 2);
	ASSERT_EQ(2, npu_ring_submit(&ring, 0));

	ASSERT_EQ(0, npu_ring_wait(&ring, &cqe, ZC_TIMEOUT_MS));
	ASSERT_EQ(1, cqe.user_data);
	if (fail) {
		ASSERT_EQ(-EINVAL, cqe.res);
		ASSERT_EQ(0, npu_zc_reap(&ring, 2, &z, ZC_TIMEOUT_MS));
		ASSERT_EQ(-ECANCELED, z.res);
		/* nothing reached the peer */
		shutdown(tx, SHUT_WR);
		ASSERT_EQ(0, recv(rcv.fd, rcv.buf, 1, 0));
	} else {
		ASSERT_EQ(0, cqe.res);
		ASSERT_EQ(s.seqno, cqe.big[0]);
		ASSERT_EQ(0, pthread_create(&rcv.thread, NULL, receiver_main, &rcv));
		ASSERT_EQ(0, npu_zc_reap(&ring, 2, &z, ZC_TIMEOUT_MS));
		ASSERT_EQ((int32_t)len, z.res);
		ASSERT_TRUE(z.flags & IORING_CQE_F_MORE);
		ASSERT_TRUE(z.got_notif);
		ASSERT_EQ(0, pthread_join(rcv.thread, NULL));
		ASSERT_EQ(0, rcv.err);
		ASSERT_EQ(len, rcv.got);
		ASSERT_EQ(0, memcmp(rcv.buf, expect, len));
	}
	npu_ring_exit(&ring);
	close(tx);
	close(rcv.fd);
	free(rcv.buf);
	free(expect);
	npu_cs_fini(&cs);
	munmap(p, size);
	ASSERT_EQ(0, npu_gem_close(fd, handle));
	npu_bo_free(fd, &in);
}

TEST_F(zc, linked_submit_send_zc_64k)
{
	linked_submit_send(_metadata, self->fd, 64 << 10, 0);
	assert_device_works(self->fd);
}

TEST_F_TIMEOUT(zc, linked_submit_send_zc_1m, 120)
{
	linked_submit_send(_metadata, self->fd, 1 << 20, 0);
	assert_device_works(self->fd);
}

TEST_F(zc, linked_send_zc_cancelled_by_refused_submit)
{
	linked_submit_send(_metadata, self->fd, 64 << 10, 1);
	assert_device_works(self->fd);
}

TEST_F(zc, send_zc_64k)
{
	job_then_send(_metadata, self->fd, 64 << 10, ZC_SEND, 0, 0);
	assert_device_works(self->fd);
}

TEST_F_TIMEOUT(zc, send_zc_1m, 120)
{
	job_then_send(_metadata, self->fd, 1 << 20, ZC_SEND, 0, 0);
	assert_device_works(self->fd);
}

TEST_F(zc, send_zc_fixed_buf_64k)
{
	job_then_send(_metadata, self->fd, 64 << 10, ZC_SEND_FIXED, 0, 0);
	assert_device_works(self->fd);
}

TEST_F_TIMEOUT(zc, send_zc_fixed_buf_1m, 120)
{
	job_then_send(_metadata, self->fd, 1 << 20, ZC_SEND_FIXED, 0, 0);
	assert_device_works(self->fd);
}

TEST_F(zc, sendmsg_zc_64k)
{
	job_then_send(_metadata, self->fd, 64 << 10, ZC_SENDMSG, 0, 0);
	assert_device_works(self->fd);
}

TEST_F(zc, send_zc_from_dmabuf_mmap_64k)
{
	job_then_send(_metadata, self->fd, 64 << 10, ZC_SEND, 1, 0);
	assert_device_works(self->fd);
}

TEST_F(zc, send_zc_after_handle_closed_64k)
{
	job_then_send(_metadata, self->fd, 64 << 10, ZC_SEND_FIXED, 0, 1);
	assert_device_works(self->fd);
}

TEST_HARNESS_MAIN
