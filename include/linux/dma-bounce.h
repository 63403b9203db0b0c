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
 *	kmalloc() size class (the rule since v6.5)
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

/**
 * enum dma_bounce_fallback - why a bounce only this policy wants is not made
 * @DMA_BOUNCE_FALLBACK_NONE: it is made
 * @DMA_BOUNCE_FALLBACK_LARGE: it is larger than swiotlb's largest mapping
 * @DMA_BOUNCE_FALLBACK_FULL: swiotlb has no room for it, or it would leave
 *	less than half of the pool free for the bounces the size rule makes
 * @DMA_BOUNCE_FALLBACK_SG: it is a segment of a scatterlist that dma-iommu
 *	maps into one contiguous IOVA range, which per-segment bounces break
 * @DMA_BOUNCE_FALLBACK_NO_SWIOTLB: the device has no swiotlb pool at all
 * @DMA_BOUNCE_FALLBACK_ATTR: the caller keeps the lines the mapping shares
 *	clean while the device owns them (%DMA_ATTR_DEBUGGING_IGNORE_CACHELINES),
 *	and those lines are its own: they lie inside the kmalloc() or slab
 *	object that holds the mapping; or, in memory whose owner cannot be
 *	told, the size rule maps it in place too
 *
 * A misaligned mapping that the size rule of v6.5 would map in place is
 * then mapped in place, as that rule maps it: bouncing by misalignment
 * never turns a mapping that succeeds without it into a failure. A mapping
 * whose caller keeps the shared lines clean (%DMA_BOUNCE_FALLBACK_ATTR) is
 * made in place where the caller can promise that, even where the size
 * rule bounces it; a promise about lines that hold other owners' objects
 * is no promise, and such a mapping is bounced as without the attribute.
 */
enum dma_bounce_fallback {
	DMA_BOUNCE_FALLBACK_NONE,
	DMA_BOUNCE_FALLBACK_LARGE,
	DMA_BOUNCE_FALLBACK_FULL,
	DMA_BOUNCE_FALLBACK_SG,
	DMA_BOUNCE_FALLBACK_NO_SWIOTLB,
	DMA_BOUNCE_FALLBACK_ATTR,
};

#ifdef CONFIG_DMA_MISALIGNED_CHECK
/*
 * The policy, as two static keys that are off for the Kconfig default: one
 * for "off" (small kmalloc() objects own their cache lines, nothing to
 * bounce), one for "kmalloc" where "misaligned" is the default. Set once,
 * before any driver probes, and read on every inbound mapping to a
 * non-coherent device, so no memory load decides it.
 */
DECLARE_STATIC_KEY_FALSE(dma_bounce_off_key);
DECLARE_STATIC_KEY_FALSE(dma_bounce_size_rule_key);

static inline enum dma_bounce_policy dma_bounce_get_policy(void)
{
	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC) ||
	    static_branch_unlikely(&dma_bounce_off_key))
		return DMA_BOUNCE_POLICY_OFF;
	if (!IS_ENABLED(CONFIG_DMA_BOUNCE_MISALIGNED) ||
	    static_branch_unlikely(&dma_bounce_size_rule_key))
		return DMA_BOUNCE_POLICY_KMALLOC;
	return DMA_BOUNCE_POLICY_MISALIGNED;
}

/*
 * The largest dma_get_cache_alignment() of the CPUs that have been online:
 * on arm64 it is an out-of-line call that the decision would otherwise
 * make for every inbound mapping. It only grows, when a CPU with larger
 * lines comes online.
 */
extern unsigned int dma_bounce_line_size __read_mostly;

static inline unsigned int dma_bounce_line(void)
{
	return READ_ONCE(dma_bounce_line_size);
}

bool dma_bounce_unaligned_kmalloc(void);
bool dma_bounce_owns_slab_padding(void);

bool dma_bounce_promise_covers(phys_addr_t phys, size_t size,
			       unsigned int line);
enum dma_bounce_reason __dma_misalignment(phys_addr_t phys, size_t size,
					  unsigned int line);
void dma_bounce_fallback(struct device *dev, phys_addr_t phys, size_t size,
			 enum dma_data_direction dir,
			 enum dma_bounce_reason reason,
			 enum dma_bounce_fallback cause);
#else
static inline enum dma_bounce_policy dma_bounce_get_policy(void)
{
	if (IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC))
		return DMA_BOUNCE_POLICY_KMALLOC;
	return DMA_BOUNCE_POLICY_OFF;
}

#define dma_bounce_line_size	((unsigned int)dma_get_cache_alignment())

static inline unsigned int dma_bounce_line(void)
{
	return dma_get_cache_alignment();
}

static inline bool dma_bounce_unaligned_kmalloc(void)
{
	return IS_ENABLED(CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC);
}

static inline bool dma_bounce_owns_slab_padding(void)
{
	return false;
}

/* Never asked: without the misaligned policy, no mapping shares a line. */
static inline bool dma_bounce_promise_covers(phys_addr_t phys, size_t size,
					     unsigned int line)
{
	return false;
}

/* Without the misaligned policy, no mapping reaches the slow path. */
static inline enum dma_bounce_reason
__dma_misalignment(phys_addr_t phys, size_t size, unsigned int line)
{
	return DMA_BOUNCE_NONE;
}

static inline void dma_bounce_fallback(struct device *dev, phys_addr_t phys,
				       size_t size, enum dma_data_direction dir,
				       enum dma_bounce_reason reason,
				       enum dma_bounce_fallback cause)
{
}
#endif /* CONFIG_DMA_MISALIGNED_CHECK */

/**
 * dma_misalignment - does an inbound mapping share a cache line it does not own?
 * @phys: the first byte of the mapping
 * @size: its length
 * @line: the cache line size that cache maintenance works on, a power of two
 *
 * This is the decision itself, taken from the mapping alone, whatever the
 * device and direction: callers that know those use dma_bounce_decide().
 * Only whole cache lines are decided here; the rest, rare, out of line.
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

	return __dma_misalignment(phys, size, line);
}

/**
 * dma_bounce_decide - why a mapping for @dev must be bounced under a policy
 * @policy: the policy to decide by, normally dma_bounce_get_policy()
 * @dev: the device that will access the mapping
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 * @attrs: the mapping's DMA_ATTR_* flags
 *
 * Only inbound transfers to non-coherent devices need the cache lines they
 * touch to themselves: a coherent device snoops the CPU caches, and the
 * clean done for %DMA_TO_DEVICE destroys nothing. Taking the policy as an
 * argument lets the tests and the benchmark compare policies on the same
 * buffers without changing the one the system runs.
 */
static inline enum dma_bounce_reason
dma_bounce_decide(enum dma_bounce_policy policy, struct device *dev,
		  phys_addr_t phys, size_t size, enum dma_data_direction dir,
		  unsigned long attrs)
{
	if (dma_kmalloc_safe(dev, dir))
		return DMA_BOUNCE_NONE;

	/*
	 * MMIO is not memory the CPU caches, so it has no line to share; a
	 * mapping that requires coherence must never go through swiotlb.
	 */
	if (unlikely(attrs & (DMA_ATTR_MMIO | DMA_ATTR_REQUIRE_COHERENT)))
		return DMA_BOUNCE_NONE;

	switch (policy) {
	case DMA_BOUNCE_POLICY_MISALIGNED:
		return dma_misalignment(phys, size, dma_bounce_line());
	case DMA_BOUNCE_POLICY_KMALLOC:
		if (dma_kmalloc_size_aligned(size))
			return DMA_BOUNCE_NONE;
		return DMA_BOUNCE_SIZE;
	default:
		return DMA_BOUNCE_NONE;
	}
}

/**
 * dma_size_rule_bounces - would the size rule of v6.5 bounce this mapping?
 * @dev: the device that will access the mapping
 * @size: its length
 * @dir: the direction of the transfer
 * @attrs: the mapping's DMA_ATTR_* flags
 *
 * For the callers that must keep that rule's behaviour whatever the policy,
 * such as dma-iommu choosing between one IOVA range and per-segment
 * bounces for a scatterlist. Never true when booted with "off".
 */
static inline bool dma_size_rule_bounces(struct device *dev, size_t size,
					 enum dma_data_direction dir,
					 unsigned long attrs)
{
	return dma_bounce_get_policy() != DMA_BOUNCE_POLICY_OFF &&
	       dma_bounce_decide(DMA_BOUNCE_POLICY_KMALLOC, dev, 0, size, dir,
				 attrs);
}

/*
 * A bounce for a first or last line shared with memory the mapping does not
 * own: bounce-on-misalignment's own, which a caller's promise to keep those
 * lines clean can waive, and which may give way to keep the size rule's.
 */
static inline bool dma_bounce_for_shared_line(enum dma_bounce_reason reason)
{
	return reason == DMA_BOUNCE_HEAD || reason == DMA_BOUNCE_TAIL;
}

/**
 * dma_bounce_is_optional - is this a bounce the size rule would not make?
 * @reason: why the policy bounces the mapping
 * @size: its length
 *
 * Such a bounce must never cost the mapping: when it cannot be made, the
 * mapping is made in place, as the size rule makes it. Asking costs two
 * calls (kmalloc_size_roundup(), dma_get_cache_alignment()): callers ask
 * only once swiotlb has no room for the bounce, or refused it.
 */
static inline bool dma_bounce_is_optional(enum dma_bounce_reason reason,
					  size_t size)
{
	return dma_bounce_for_shared_line(reason) &&
	       dma_kmalloc_size_aligned(size);
}

/**
 * dma_bounce_fallback_cause - should a bounce give way before it is tried?
 * @dev: the device, with a swiotlb pool
 * @bounce_len: how many bytes the bounce takes from swiotlb
 * @reason: why the policy bounces the mapping
 * @size: the length of the mapping
 *
 * A bounce that the size rule would not make may be as large as swiotlb's
 * largest mapping (256 KiB, less with a min_align_mask), and may take the
 * pool up to half its slots: the other half stays for the bounces the size
 * rule makes too, so that they do not fail where they would not fail
 * without this policy. A bounce that the pool refuses below that is made
 * in place too, after swiotlb has said why.
 *
 * Return: %DMA_BOUNCE_FALLBACK_NONE to bounce the mapping, else why it is to
 * be made in place: too large for swiotlb, or swiotlb short of room.
 */
static inline enum dma_bounce_fallback
dma_bounce_fallback_cause(struct device *dev, size_t bounce_len,
			  enum dma_bounce_reason reason, size_t size)
{
	enum dma_bounce_fallback cause;

	/* Only bounce-on-misalignment makes optional bounces. */
	if (!IS_ENABLED(CONFIG_DMA_MISALIGNED_CHECK) ||
	    likely(!dma_bounce_for_shared_line(reason)))
		return DMA_BOUNCE_FALLBACK_NONE;

	/* Room first: it is cheaper to ask than whether the bounce is optional. */
	if (bounce_len > swiotlb_max_mapping_size(dev))
		cause = DMA_BOUNCE_FALLBACK_LARGE;
	else if (!swiotlb_below_half(dev, bounce_len))
		cause = DMA_BOUNCE_FALLBACK_FULL;
	else
		return DMA_BOUNCE_FALLBACK_NONE;

	/* It gives way only where the size rule would not bounce. */
	return dma_kmalloc_size_aligned(size) ? cause : DMA_BOUNCE_FALLBACK_NONE;
}

/**
 * dma_needs_bounce - must a mapping for @dev go through swiotlb, and why?
 * @dev: the device that will access the mapping
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 * @attrs: the mapping's DMA_ATTR_* flags
 *
 * The one predicate that dma-direct, dma-iommu and the drivers that manage
 * their own bounce buffers ask before mapping memory in place, once per
 * mapping or segment.
 *
 * Return: %DMA_BOUNCE_NONE (false) to map in place, else the reason.
 */
static inline enum dma_bounce_reason
dma_needs_bounce(struct device *dev, phys_addr_t phys, size_t size,
		 enum dma_data_direction dir, unsigned long attrs)
{
	enum dma_bounce_reason reason;

	/*
	 * Fast path, first and whatever the policy, device and direction: a
	 * mapping of whole lines shares none. Nor does the size rule bounce
	 * it: dma_kmalloc_size_aligned() holds for every multiple of
	 * dma_get_cache_alignment(), which divides dma_bounce_line() (both
	 * are powers of two, and the line follows the CPUs' largest).
	 */
	if (IS_ENABLED(CONFIG_DMA_MISALIGNED_CHECK) &&
	    likely(!((phys | size) & (dma_bounce_line() - 1))))
		return DMA_BOUNCE_NONE;

	reason = dma_bounce_decide(dma_bounce_get_policy(), dev, phys, size,
				   dir, attrs);
	if (likely(reason == DMA_BOUNCE_NONE))
		return DMA_BOUNCE_NONE;

	/*
	 * The caller guarantees that the CPU does not dirty the lines this
	 * mapping shares while the device owns them, and that every mapping
	 * sharing them says so too: cache maintenance then loses nothing.
	 * It can guarantee that only for lines it owns, which the allocator
	 * is asked about out of line. The size rule bounces such mappings all
	 * the same (SIZE, and in mainline); one whose lines are the caller's
	 * is made in place, and counted.
	 */
	if ((attrs & DMA_ATTR_DEBUGGING_IGNORE_CACHELINES) &&
	    dma_bounce_for_shared_line(reason) &&
	    dma_bounce_promise_covers(phys, size, dma_bounce_line())) {
		dma_bounce_fallback(dev, phys, size, dir, reason,
				    DMA_BOUNCE_FALLBACK_ATTR);
		return DMA_BOUNCE_NONE;
	}

	/*
	 * Without a swiotlb pool kmalloc() keeps cache line alignment (see
	 * __kmalloc_minalign()), so only memory laid out by the caller can be
	 * misaligned here: map it in place, as before v6.5, and say so.
	 */
	if (IS_ENABLED(CONFIG_DMA_MISALIGNED_CHECK) &&
	    unlikely(!is_swiotlb_active(dev))) {
		dma_bounce_fallback(dev, phys, size, dir, reason,
				    DMA_BOUNCE_FALLBACK_NO_SWIOTLB);
		return DMA_BOUNCE_NONE;
	}

	return reason;
}

#ifdef CONFIG_DMA_BOUNCE_STATS
DECLARE_STATIC_KEY_FALSE(dma_bounce_stats_key);
DECLARE_STATIC_KEY_FALSE(dma_bounce_audit_key);

void __dma_bounce_count(struct device *dev, enum dma_bounce_reason reason,
			size_t size, bool refused);
void dma_bounce_stats_release(struct device *dev);
void __dma_bounce_audit(struct device *dev, phys_addr_t phys, size_t size,
			enum dma_data_direction dir, unsigned long attrs);

/**
 * dma_bounce_count - count a streaming mapping in its device's statistics
 * @dev: the device the mapping is for
 * @phys: the first byte of the mapping
 * @size: its length
 * @dir: the direction of the transfer
 * @attrs: its DMA_ATTR_* flags
 * @reason: why it was bounced, or %DMA_BOUNCE_NONE if it was mapped in place
 * @refused: it needed a bounce, and swiotlb had no free slot for it
 *
 * Only the mappings that the policy is about are counted: inbound ones,
 * for a device that does not snoop the CPU caches, and only once counting
 * is switched on (dma_bounce_stats=on, or dma_bounce/stats_enabled). Until
 * then it returns at two static branches; then, for everything else,
 * after two tests that need no memory access beyond @dev, unless audit
 * mode asks what the inbound mappings of coherent devices would do on a
 * system that is not coherent.
 */
static inline void dma_bounce_count(struct device *dev, phys_addr_t phys,
				    size_t size, enum dma_data_direction dir,
				    unsigned long attrs,
				    enum dma_bounce_reason reason, bool refused)
{
	/* Nothing read until counting or audit mode is switched on. */
	if (!static_branch_unlikely(&dma_bounce_stats_key) &&
	    !static_branch_unlikely(&dma_bounce_audit_key))
		return;

	/* Outbound transfers destroy nothing: neither counted nor audited. */
	if (dir == DMA_TO_DEVICE)
		return;

	if (!dev_is_dma_coherent(dev)) {
		if (static_branch_unlikely(&dma_bounce_stats_key))
			__dma_bounce_count(dev, reason, size, refused);
	} else if (static_branch_unlikely(&dma_bounce_audit_key)) {
		__dma_bounce_audit(dev, phys, size, dir, attrs);
	}
}
#else
static inline void dma_bounce_count(struct device *dev, phys_addr_t phys,
				    size_t size, enum dma_data_direction dir,
				    unsigned long attrs,
				    enum dma_bounce_reason reason, bool refused)
{
}

static inline void dma_bounce_stats_release(struct device *dev)
{
}
#endif /* CONFIG_DMA_BOUNCE_STATS */

#endif /* _LINUX_DMA_BOUNCE_H */
