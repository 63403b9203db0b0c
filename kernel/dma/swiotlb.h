/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swiotlb internals that its KUnit suites use: a pool of a test device's
 * own, so that a test never fills the pool the running system shares, and
 * its line slots.
 */
#ifndef _KERNEL_DMA_SWIOTLB_H
#define _KERNEL_DMA_SWIOTLB_H

#include <linux/types.h>

struct device;

#if IS_ENABLED(CONFIG_KUNIT) && defined(CONFIG_SWIOTLB)
int swiotlb_dev_test_pool(struct device *dev, unsigned long nslabs);
void swiotlb_dev_test_pool_free(struct device *dev);
bool swiotlb_dev_test_pool_grow(struct device *dev);
bool swiotlb_dev_test_lines(struct device *dev, bool on);
unsigned int swiotlb_test_line_size(void);
bool swiotlb_test_lines_stopped(void);
#endif

#endif /* _KERNEL_DMA_SWIOTLB_H */
