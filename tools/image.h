/* SPDX-License-Identifier: (LGPL-2.1-or-later OR MIT) */
/*
 * tools/image.h - decode an image with ImageMagick's convert and turn it
 * into a PaddleOCR model input, as tools/ocr-preprocess.mjs does
 * (Documentation/models.rst, "Preprocessing").
 */
#ifndef NPU_TOOLS_IMAGE_H
#define NPU_TOOLS_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* the largest image decoded, in pixels */
#define IMAGE_MAX_PIXELS	(64U << 20)

struct image {
	uint32_t w, h;
	uint8_t *rgb;		/* w * h * 3 bytes, RGB, 8 bits, alpha over white */
};

/*
 * Decode path by running convert (env NPU_CONVERT, else /usr/bin/convert
 * when it exists, else convert in PATH) without a shell. Returns 0, or -1
 * with a message in err.
 */
int image_decode(const char *path, struct image *img, char *err, size_t errlen);
void image_free(struct image *img);

/*
 * PaddleOCR preprocessing into out, float32 [3,H,W] in C order, channels
 * B, G, R (PaddleOCR reads images with cv2.imread and keeps BGR).
 *
 * cls (resize_norm_img): resize to height H keeping the aspect ratio,
 * width min(W, ceil(H * w / h)); (x / 255 - 0.5) / 0.5; the rest of each
 * row, up to W, is 0.
 * det (DetResizeForTest + NormalizeImage): resize to W x H;
 * (x / 255 - mean) / std with ImageNet's mean and std applied to B, G, R.
 *
 * The resize is bilinear like cv2.INTER_LINEAR (pixel centres at +0.5,
 * clamped edges), rounded to 8 bits; same size is an exact copy. The
 * arithmetic is NumPy's float32, step by step. Returns 0, or -1 (no
 * memory).
 */
int image_to_cls(const struct image *img, uint32_t H, uint32_t W, float *out);
int image_to_det(const struct image *img, uint32_t H, uint32_t W, float *out);

/*
 * det's input size as PaddleOCR picks it by default (limit_type max,
 * limit_side_len 960): scale down so the longer side is at most 960, then
 * round each side to a multiple of 32 (at least 32).
 */
void image_det_size(const struct image *img, uint32_t *H, uint32_t *W);

#endif /* NPU_TOOLS_IMAGE_H */
