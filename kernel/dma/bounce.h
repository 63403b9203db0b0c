/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounce-on-misalignment: what its parts in kernel/dma share.
 */
#ifndef _KERNEL_DMA_BOUNCE_H
#define _KERNEL_DMA_BOUNCE_H

struct dentry;

#ifdef CONFIG_DEBUG_FS
struct dentry *dma_bounce_debugfs_dir(void);
#endif

#endif /* _KERNEL_DMA_BOUNCE_H */
