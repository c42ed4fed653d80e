/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * kselftest_harness.h with the npu test conventions.
 *
 * The harness (from linux-source-6.12, extracted into build/kselftest/)
 * warns under -Wextra on its own code: its test wrapper keeps locals across
 * setjmp() (-Wclobbered), its SIGALRM handler ignores a parameter
 * (-Wunused-parameter), and ASSERT_*() compares __typeof__(expected) with
 * __typeof__(seen), so an int literal against an unsigned value trips
 * -Wsign-compare. Those warnings are reported at the macro expansion sites
 * in the test files, so push/pop around the #include cannot scope them: they
 * are off for the test files (npu_test.h and npu_ref.h are also built by
 * npu_smoke.c with every warning on).
 */
#ifndef NPU_HARNESS_H
#define NPU_HARNESS_H

#pragma GCC diagnostic ignored "-Wclobbered"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"

#include "npu_test.h"

/* The device still computes a correct job (used after every hostile case). */
#define assert_device_works(fd) ASSERT_EQ(0, npu_check_device(fd))

#endif /* NPU_HARNESS_H */
