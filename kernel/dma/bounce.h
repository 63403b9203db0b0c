/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounce-on-misalignment: what its parts in kernel/dma, and its KUnit
 * suites, share. Drivers use <linux/dma-bounce.h>.
 */
#ifndef _KERNEL_DMA_BOUNCE_H
#define _KERNEL_DMA_BOUNCE_H

#include <linux/dma-bounce.h>
#include <linux/memremap.h>
#include <linux/mm.h>

struct dentry;

/*
 * Memory the CPU caches, with a struct page: not MMIO behind a struct-less
 * PFN, not PCI peer-to-peer memory (a BAR of another device, uncached).
 * The decision and dma-debug's hazard detector ask it alike.
 */
static __always_inline struct page *dma_bounce_normal_page(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);
	struct page *page;

	if (!pfn_valid(pfn))
		return NULL;
	page = pfn_to_page(pfn);
	if (is_pci_p2pdma_page(page))
		return NULL;
	return page;
}

int dma_bounce_parse_policy(const char *str, enum dma_bounce_policy *policy);
const char *dma_bounce_policy_name(enum dma_bounce_policy policy);
const char *dma_bounce_reason_name(enum dma_bounce_reason reason);
const char *dma_bounce_fallback_name(enum dma_bounce_fallback cause);

#ifdef CONFIG_DEBUG_FS
struct dentry *dma_bounce_debugfs_dir(void);
#endif

/**
 * enum dma_bounce_stat - what the per-device bounce statistics count
 * @DMA_BOUNCE_STAT_SEEN: inbound mappings made
 * @DMA_BOUNCE_STAT_HEAD: of those, bounced for %DMA_BOUNCE_HEAD
 * @DMA_BOUNCE_STAT_TAIL: bounced for %DMA_BOUNCE_TAIL
 * @DMA_BOUNCE_STAT_SIZE: bounced for %DMA_BOUNCE_SIZE
 * @DMA_BOUNCE_STAT_ADDRESSING: bounced for %DMA_BOUNCE_ADDRESSING
 * @DMA_BOUNCE_STAT_FORCED: bounced for %DMA_BOUNCE_FORCED
 * @DMA_BOUNCE_STAT_BYTES: bytes in bounced mappings
 * @DMA_BOUNCE_STAT_REFUSED: mappings that needed a bounce and found no
 *	free swiotlb slot
 * @DMA_BOUNCE_STAT_FALLBACK_LARGE: mappings the policy would bounce, made
 *	in place for %DMA_BOUNCE_FALLBACK_LARGE
 * @DMA_BOUNCE_STAT_FALLBACK_FULL: the same, for %DMA_BOUNCE_FALLBACK_FULL
 * @DMA_BOUNCE_STAT_FALLBACK_SG: the same, for %DMA_BOUNCE_FALLBACK_SG
 * @DMA_BOUNCE_STAT_FALLBACK_NO_SWIOTLB: the same, for
 *	%DMA_BOUNCE_FALLBACK_NO_SWIOTLB
 * @DMA_BOUNCE_STAT_FALLBACK_ATTR: the same, for %DMA_BOUNCE_FALLBACK_ATTR
 * @DMA_BOUNCE_STAT_HAZARD: inbound mappings made in place during which the
 *	CPU wrote the rest of a cache line they share (dma-debug)
 * @DMA_BOUNCE_STAT_PROTECTIVE: bounced mappings during which the CPU wrote
 *	the rest of a cache line the original buffer shares (dma-debug)
 * @DMA_BOUNCE_STAT_PRECAUTIONARY: bounced mappings with such lines that the
 *	CPU left alone (dma-debug)
 * @DMA_BOUNCE_NR_STATS: the number of counters
 *
 * A bounced mapping is counted under the reason it was bounced for: the
 * counter of reason r is r itself.
 */
enum dma_bounce_stat {
	DMA_BOUNCE_STAT_SEEN		= DMA_BOUNCE_NONE,
	DMA_BOUNCE_STAT_HEAD		= DMA_BOUNCE_HEAD,
	DMA_BOUNCE_STAT_TAIL		= DMA_BOUNCE_TAIL,
	DMA_BOUNCE_STAT_SIZE		= DMA_BOUNCE_SIZE,
	DMA_BOUNCE_STAT_ADDRESSING	= DMA_BOUNCE_ADDRESSING,
	DMA_BOUNCE_STAT_FORCED		= DMA_BOUNCE_FORCED,
	DMA_BOUNCE_STAT_BYTES,
	DMA_BOUNCE_STAT_REFUSED,
	DMA_BOUNCE_STAT_FALLBACK_LARGE,
	DMA_BOUNCE_STAT_FALLBACK_FULL,
	DMA_BOUNCE_STAT_FALLBACK_SG,
	DMA_BOUNCE_STAT_FALLBACK_NO_SWIOTLB,
	DMA_BOUNCE_STAT_FALLBACK_ATTR,
	DMA_BOUNCE_STAT_HAZARD,
	DMA_BOUNCE_STAT_PROTECTIVE,
	DMA_BOUNCE_STAT_PRECAUTIONARY,
	DMA_BOUNCE_NR_STATS,
};

/* The counter of a fallback: the causes are counted in their order. */
static inline enum dma_bounce_stat
dma_bounce_fallback_stat(enum dma_bounce_fallback cause)
{
	return DMA_BOUNCE_STAT_FALLBACK_LARGE + cause - DMA_BOUNCE_FALLBACK_LARGE;
}

/**
 * struct dma_bounce_stats - a device's bounce statistics since their reset
 * @count: the counters, indexed by &enum dma_bounce_stat
 */
struct dma_bounce_stats {
	u64 count[DMA_BOUNCE_NR_STATS];
};

#ifdef CONFIG_DMA_BOUNCE_STATS
bool dma_bounce_note_fallback(struct device *dev,
			      enum dma_bounce_fallback cause);
int dma_bounce_stats_read(struct device *dev, struct dma_bounce_stats *stats);
const char *dma_bounce_stat_name(enum dma_bounce_stat stat);
void dma_bounce_stats_reset(struct device *dev);
void dma_bounce_stats_reset_all(void);
void dma_bounce_stats_enable(bool enable);
int dma_bounce_parse_audit(const char *str, unsigned int *line);
void dma_bounce_set_audit(unsigned int line);
unsigned int dma_bounce_audit_line(void);
bool dma_bounce_audit_bounces(phys_addr_t phys, size_t size,
			      unsigned long attrs, unsigned int line);
long dma_bounce_stats_uncounted(void);

#if IS_ENABLED(CONFIG_KUNIT)
struct dma_bounce_dev;
struct dma_bounce_dev *dma_bounce_dev_alloc(struct device *dev);
ssize_t dma_bounce_stats_table(char *buf, size_t size);
bool dma_bounce_stats_has_file(const char *name);
bool dma_bounce_stats_files_queued(void);
#endif

static inline bool dma_bounce_stats_enabled(void)
{
	return static_key_enabled(&dma_bounce_stats_key);
}

void dma_bounce_note_watch(struct device *dev, enum dma_bounce_stat stat);
#else
static inline void dma_bounce_note_watch(struct device *dev,
					 enum dma_bounce_stat stat)
{
}

static inline unsigned int dma_bounce_audit_line(void)
{
	return 0;
}

static inline bool dma_bounce_audit_bounces(phys_addr_t phys, size_t size,
					    unsigned long attrs,
					    unsigned int line)
{
	return false;
}
#endif /* CONFIG_DMA_BOUNCE_STATS */

#endif /* _KERNEL_DMA_BOUNCE_H */
