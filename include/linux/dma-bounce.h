/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounce-on-misalignment: which inbound DMA mappings to a non-coherent
 * device must go through swiotlb because their cache lines reach memory
 * that the mapping does not own.
 */
#ifndef _LINUX_DMA_BOUNCE_H
#define _LINUX_DMA_BOUNCE_H

#include <linux/dma-map-ops.h>
#include <linux/jump_label.h>
#include <linux/swiotlb.h>

/**
 * enum dma_bounce_policy - how kmalloc() and DMA share cache lines
 * @DMA_BOUNCE_POLICY_MISALIGNED: bounce mappings whose first or last cache
 *	line reaches memory the mapping does not own
 * @DMA_BOUNCE_POLICY_KMALLOC: bounce mappings whose size looks like a small
 *	kmalloc() size class (the rule of v6.5 to v6.12)
 * @DMA_BOUNCE_POLICY_OFF: never bounce for alignment; kmalloc() aligns
 *	every object to the DMA cache line instead, as before v6.5
 */
enum dma_bounce_policy {
	DMA_BOUNCE_POLICY_MISALIGNED,
	DMA_BOUNCE_POLICY_KMALLOC,
	DMA_BOUNCE_POLICY_OFF,
};

/**
 * enum dma_bounce_reason - why an inbound mapping needs a bounce buffer
 * @DMA_BOUNCE_NONE: it can be mapped in place
 * @DMA_BOUNCE_HEAD: its first cache line starts before the mapping
 * @DMA_BOUNCE_TAIL: its last cache line ends in memory that is not the
 *	slack of the object it maps
 * @DMA_BOUNCE_SIZE: its size is a small kmalloc() size class that is not
 *	a multiple of the cache line (%DMA_BOUNCE_POLICY_KMALLOC only)
 * @DMA_BOUNCE_ADDRESSING: the device cannot address the memory
 * @DMA_BOUNCE_FORCED: the device always bounces (swiotlb=force, restricted
 *	DMA pools, untrusted devices behind an IOMMU)
 *
 * The policy gives the first four; the DMA API adds the others when it
 * reports a bounce.
 */
enum dma_bounce_reason {
	DMA_BOUNCE_NONE,
	DMA_BOUNCE_HEAD,
	DMA_BOUNCE_TAIL,
	DMA_BOUNCE_SIZE,
	DMA_BOUNCE_ADDRESSING,
	DMA_BOUNCE_FORCED,
};

#ifdef CONFIG_DMA_MISALIGNED_CHECK
extern enum dma_bounce_policy dma_bounce_policy;

static inline enum dma_bounce_policy dma_bounce_get_policy(void)
{
	return READ_ONCE(dma_bounce_policy);
}

bool dma_tail_in_own_slack(phys_addr_t phys, size_t size, unsigned int line);
bool dma_bounce_unavailable(struct device *dev, phys_addr_t phys, size_t size,
			    enum dma_data_direction dir);
int dma_bounce_parse_policy(const char *str, enum dma_bounce_policy *policy);
int dma_bounce_switch_policy(enum dma_bounce_policy policy);
const char *dma_bounce_policy_name(enum dma_bounce_policy policy);
const char *dma_bounce_reason_name(enum dma_bounce_reason reason);
#else
static inline enum dma_bounce_policy dma_bounce_get_policy(void)
{
	if (IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		return DMA_BOUNCE_POLICY_KMALLOC;
	return DMA_BOUNCE_POLICY_OFF;
}

static inline bool dma_tail_in_own_slack(phys_addr_t phys, size_t size,
					 unsigned int line)
{
	return false;
}

/* Keep the caller's v6.12 behaviour: it reports the failed bounce itself. */
static inline bool dma_bounce_unavailable(struct device *dev,
					  phys_addr_t phys, size_t size,
					  enum dma_data_direction dir)
{
	return true;
}
#endif /* CONFIG_DMA_MISALIGNED_CHECK */

/**
 * dma_misalignment - does an inbound mapping share a cache line it does not own?
 * @phys: the first byte of the mapping
 * @size: its length
 * @line: the cache line size that cache maintenance works on, a power of two
 *
 * This is the decision itself, taken from the mapping alone, whatever the
 * device and direction: callers that know those use dma_bounce_reason().
 *
 * Return: %DMA_BOUNCE_NONE if every cache line the mapping touches is its
 * own, else which end of it shares a line.
 */
static inline enum dma_bounce_reason
dma_misalignment(phys_addr_t phys, size_t size, unsigned int line)
{
	/* Fast path: the mapping covers whole cache lines. */
	if (likely(!((phys | size) & (line - 1))))
		return DMA_BOUNCE_NONE;

	/* A zero-length mapping touches no cache line at all. */
	if (unlikely(!size))
		return DMA_BOUNCE_NONE;

	/*
	 * The bytes before @phys in its line belong to someone else, or to
	 * other fields of the same object: invalidating the line on unmap
	 * would discard what the CPU wrote there in the meantime.
	 */
	if (phys & (line - 1))
		return DMA_BOUNCE_HEAD;

	/*
	 * The mapping starts a line but ends inside one. That is safe only
	 * when the rest of the line is slack of the very object mapped, which
	 * nobody writes: ask the slab allocator, on this rare path only.
	 */
	if (dma_tail_in_own_slack(phys, size, line))
		return DMA_BOUNCE_NONE;

	return DMA_BOUNCE_TAIL;
}

/**
 * dma_bounce_reason - why a mapping for @dev must be bounced, if it must
 * @dev: the device that will access the mapping
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 *
 * Only inbound transfers to non-coherent devices need the cache lines they
 * touch to themselves: a coherent device snoops the CPU caches, and the
 * clean done for %DMA_TO_DEVICE destroys nothing.
 */
static inline enum dma_bounce_reason
dma_bounce_reason(struct device *dev, phys_addr_t phys, size_t size,
		  enum dma_data_direction dir)
{
	if (dma_kmalloc_safe(dev, dir))
		return DMA_BOUNCE_NONE;

	switch (dma_bounce_get_policy()) {
	case DMA_BOUNCE_POLICY_MISALIGNED:
		return dma_misalignment(phys, size, dma_get_cache_alignment());
	case DMA_BOUNCE_POLICY_KMALLOC:
		if (dma_kmalloc_size_aligned(size))
			return DMA_BOUNCE_NONE;
		return DMA_BOUNCE_SIZE;
	default:
		return DMA_BOUNCE_NONE;
	}
}

/**
 * dma_needs_bounce - must a mapping for @dev go through swiotlb, and why?
 * @dev: the device that will access the mapping
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 *
 * The one predicate that dma-direct, dma-iommu and the drivers that manage
 * their own bounce buffers ask before mapping memory in place.
 *
 * Return: %DMA_BOUNCE_NONE (false) to map in place, else the reason.
 */
static inline enum dma_bounce_reason
dma_needs_bounce(struct device *dev, phys_addr_t phys, size_t size,
		 enum dma_data_direction dir)
{
	enum dma_bounce_reason reason = dma_bounce_reason(dev, phys, size, dir);

	if (likely(reason == DMA_BOUNCE_NONE))
		return DMA_BOUNCE_NONE;

	/*
	 * Without a swiotlb pool kmalloc() keeps cache line alignment (see
	 * __kmalloc_minalign()), so only memory laid out by the caller can be
	 * misaligned here: let the policy decide how to map it.
	 */
	if (unlikely(!is_swiotlb_active(dev)) &&
	    !dma_bounce_unavailable(dev, phys, size, dir))
		return DMA_BOUNCE_NONE;

	return reason;
}

/**
 * dma_bounce_unaligned_kmalloc - may kmalloc() objects share cache lines?
 *
 * Only when a policy bounces the inbound mappings that would corrupt their
 * neighbours.
 */
static inline bool dma_bounce_unaligned_kmalloc(void)
{
	return IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) &&
	       dma_bounce_get_policy() != DMA_BOUNCE_POLICY_OFF;
}

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
	DMA_BOUNCE_NR_STATS,
};

/**
 * struct dma_bounce_stats - a device's bounce statistics since their reset
 * @count: the counters, indexed by &enum dma_bounce_stat
 */
struct dma_bounce_stats {
	u64 count[DMA_BOUNCE_NR_STATS];
};

#ifdef CONFIG_DMA_BOUNCE_STATS
DECLARE_STATIC_KEY_TRUE(dma_bounce_stats_key);
DECLARE_STATIC_KEY_FALSE(dma_bounce_audit_key);

void __dma_bounce_count(struct device *dev, enum dma_bounce_reason reason,
			size_t size, bool refused);
int dma_bounce_stats_read(struct device *dev, struct dma_bounce_stats *stats);
const char *dma_bounce_stat_name(enum dma_bounce_stat stat);
void dma_bounce_stats_reset(struct device *dev);
void dma_bounce_stats_release(struct device *dev);
void dma_bounce_stats_enable(bool enable);
void __dma_bounce_audit(struct device *dev, phys_addr_t phys, size_t size,
			enum dma_data_direction dir);
int dma_bounce_parse_audit(const char *str, unsigned int *line);
void dma_bounce_set_audit(unsigned int line);
unsigned int dma_bounce_audit_line(void);

static inline bool dma_bounce_stats_enabled(void)
{
	return static_key_enabled(&dma_bounce_stats_key);
}

/**
 * dma_bounce_count - count a streaming mapping in its device's statistics
 * @dev: the device the mapping is for
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 * @reason: why it was bounced, or %DMA_BOUNCE_NONE if it was mapped in place
 * @refused: it needed a bounce, and swiotlb had no free slot for it
 *
 * Only the mappings that the policy is about are counted: inbound ones,
 * for a device that does not snoop the CPU caches. Everything else returns
 * after two tests that need no memory access beyond @dev, unless audit
 * mode asks what the inbound mappings of coherent devices would do on a
 * system that is not coherent.
 */
static inline void dma_bounce_count(struct device *dev, phys_addr_t phys,
				    size_t size, enum dma_data_direction dir,
				    enum dma_bounce_reason reason, bool refused)
{
	/* Outbound transfers destroy nothing: neither counted nor audited. */
	if (dir == DMA_TO_DEVICE)
		return;

	if (!dev_is_dma_coherent(dev)) {
		if (static_branch_likely(&dma_bounce_stats_key))
			__dma_bounce_count(dev, reason, size, refused);
	} else if (static_branch_unlikely(&dma_bounce_audit_key)) {
		__dma_bounce_audit(dev, phys, size, dir);
	}
}
#else
static inline void dma_bounce_count(struct device *dev, phys_addr_t phys,
				    size_t size, enum dma_data_direction dir,
				    enum dma_bounce_reason reason, bool refused)
{
}

static inline int dma_bounce_stats_read(struct device *dev,
					struct dma_bounce_stats *stats)
{
	return -EOPNOTSUPP;
}

static inline const char *dma_bounce_stat_name(enum dma_bounce_stat stat)
{
	return "?";
}

static inline void dma_bounce_stats_reset(struct device *dev)
{
}

static inline void dma_bounce_stats_release(struct device *dev)
{
}

static inline void dma_bounce_stats_enable(bool enable)
{
}

static inline bool dma_bounce_stats_enabled(void)
{
	return false;
}

static inline int dma_bounce_parse_audit(const char *str, unsigned int *line)
{
	return -EOPNOTSUPP;
}

static inline void dma_bounce_set_audit(unsigned int line)
{
}

static inline unsigned int dma_bounce_audit_line(void)
{
	return 0;
}
#endif /* CONFIG_DMA_BOUNCE_STATS */

#endif /* _LINUX_DMA_BOUNCE_H */
