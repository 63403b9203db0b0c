/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dma_bounce

#if !defined(_TRACE_DMA_BOUNCE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DMA_BOUNCE_H

#include <linux/device.h>
#include <linux/dma-bounce.h>
#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(DMA_BOUNCE_NONE);
TRACE_DEFINE_ENUM(DMA_BOUNCE_HEAD);
TRACE_DEFINE_ENUM(DMA_BOUNCE_TAIL);
TRACE_DEFINE_ENUM(DMA_BOUNCE_SIZE);
TRACE_DEFINE_ENUM(DMA_BOUNCE_ADDRESSING);
TRACE_DEFINE_ENUM(DMA_BOUNCE_FORCED);

#define show_dma_bounce_reason(reason)				\
	__print_symbolic(reason,				\
		{ DMA_BOUNCE_NONE, "none" },			\
		{ DMA_BOUNCE_HEAD, "head" },			\
		{ DMA_BOUNCE_TAIL, "tail" },			\
		{ DMA_BOUNCE_SIZE, "size" },			\
		{ DMA_BOUNCE_ADDRESSING, "addressing" },	\
		{ DMA_BOUNCE_FORCED, "forced" })

TRACE_DEFINE_ENUM(DMA_BOUNCE_FALLBACK_LARGE);
TRACE_DEFINE_ENUM(DMA_BOUNCE_FALLBACK_FULL);
TRACE_DEFINE_ENUM(DMA_BOUNCE_FALLBACK_SG);
TRACE_DEFINE_ENUM(DMA_BOUNCE_FALLBACK_NO_SWIOTLB);
TRACE_DEFINE_ENUM(DMA_BOUNCE_FALLBACK_ATTR);

#define show_dma_bounce_fallback(cause)				\
	__print_symbolic(cause,					\
		{ DMA_BOUNCE_FALLBACK_NONE, "none" },		\
		{ DMA_BOUNCE_FALLBACK_LARGE, "large" },		\
		{ DMA_BOUNCE_FALLBACK_FULL, "full" },		\
		{ DMA_BOUNCE_FALLBACK_SG, "sg" },		\
		{ DMA_BOUNCE_FALLBACK_NO_SWIOTLB, "no_swiotlb" },	\
		{ DMA_BOUNCE_FALLBACK_ATTR, "attr" })

#define show_dma_bounce_dir(dir)				\
	__print_symbolic(dir,					\
		{ DMA_BIDIRECTIONAL, "BIDIRECTIONAL" },		\
		{ DMA_TO_DEVICE, "TO_DEVICE" },			\
		{ DMA_FROM_DEVICE, "FROM_DEVICE" },		\
		{ DMA_NONE, "NONE" })

/*
 * An inbound or outbound streaming mapping, as the policy saw it: @orig is
 * the memory mapped, @slot the swiotlb buffer the device accesses instead
 * (0 if none), and @reason why it was, or would be, bounced.
 */
DECLARE_EVENT_CLASS(dma_bounce_mapping,
		    TP_PROTO(struct device *dev, phys_addr_t orig, phys_addr_t slot,
			     size_t size, enum dma_data_direction dir,
			     enum dma_bounce_reason reason),
		    TP_ARGS(dev, orig, slot, size, dir, reason),
		    TP_STRUCT__entry(__string(device, dev_name(dev))
				     __string(driver, dev_driver_string(dev))
				     __field(u64, orig)
				     __field(u64, slot)
				     __field(size_t, size)
				     __field(int, dir)
				     __field(int, reason)),
		    TP_fast_assign(__assign_str(device);
				   __assign_str(driver);
				   __entry->orig = orig;
				   __entry->slot = slot;
				   __entry->size = size;
				   __entry->dir = dir;
				   __entry->reason = reason;),
		    TP_printk("device=%s driver=%s orig=%#llx slot=%#llx size=%zu dir=%s reason=%s",
			      __get_str(device), __get_str(driver), __entry->orig,
			      __entry->slot, __entry->size,
			      show_dma_bounce_dir(__entry->dir),
			      show_dma_bounce_reason(__entry->reason))
);

/*
 * A streaming mapping was bounced: the device accesses @slot, a swiotlb
 * buffer, instead of @orig.
 */
DEFINE_EVENT(dma_bounce_mapping, dma_bounce_map,
	     TP_PROTO(struct device *dev, phys_addr_t orig, phys_addr_t slot,
		      size_t size, enum dma_data_direction dir,
		      enum dma_bounce_reason reason),
	     TP_ARGS(dev, orig, slot, size, dir, reason)
);

/*
 * Audit mode: a coherent device made an inbound mapping that a system
 * without cache coherence would bounce. Nothing is bounced: @slot is 0.
 */
DEFINE_EVENT(dma_bounce_mapping, dma_bounce_audit,
	     TP_PROTO(struct device *dev, phys_addr_t orig, phys_addr_t slot,
		      size_t size, enum dma_data_direction dir,
		      enum dma_bounce_reason reason),
	     TP_ARGS(dev, orig, slot, size, dir, reason)
);

/*
 * What the device wrote to a bounce buffer was copied back to the original
 * memory, at unmap or sync for the CPU. Its reason is not known there:
 * "none".
 */
DEFINE_EVENT(dma_bounce_mapping, dma_bounce_copy_back,
	     TP_PROTO(struct device *dev, phys_addr_t orig, phys_addr_t slot,
		      size_t size, enum dma_data_direction dir,
		      enum dma_bounce_reason reason),
	     TP_ARGS(dev, orig, slot, size, dir, reason)
);

/*
 * A mapping the policy would bounce was made in place, as the size rule of
 * v6.5 makes it: @cause says why the bounce was not made.
 */
TRACE_EVENT(dma_bounce_fallback,
	    TP_PROTO(struct device *dev, phys_addr_t orig, size_t size,
		     enum dma_data_direction dir, enum dma_bounce_reason reason,
		     enum dma_bounce_fallback cause),
	    TP_ARGS(dev, orig, size, dir, reason, cause),
	    TP_STRUCT__entry(__string(device, dev_name(dev))
			     __string(driver, dev_driver_string(dev))
			     __field(u64, orig)
			     __field(size_t, size)
			     __field(int, dir)
			     __field(int, reason)
			     __field(int, cause)),
	    TP_fast_assign(__assign_str(device);
			   __assign_str(driver);
			   __entry->orig = orig;
			   __entry->size = size;
			   __entry->dir = dir;
			   __entry->reason = reason;
			   __entry->cause = cause;),
	    TP_printk("device=%s driver=%s orig=%#llx size=%zu dir=%s reason=%s cause=%s",
		      __get_str(device), __get_str(driver), __entry->orig,
		      __entry->size, show_dma_bounce_dir(__entry->dir),
		      show_dma_bounce_reason(__entry->reason),
		      show_dma_bounce_fallback(__entry->cause))
);

/*
 * dma-debug's hazard detector: while the device owned an inbound mapping
 * made in place at @orig, the CPU wrote @len bytes of the cache lines the
 * mapping shares with other memory, from @offset bytes after the start of
 * the mapping (negative: before it). On a system without cache coherence
 * cache maintenance loses either that write or the device's data.
 */
TRACE_EVENT(dma_bounce_hazard,
	    TP_PROTO(struct device *dev, phys_addr_t orig, size_t size,
		     enum dma_data_direction dir, long offset, size_t len),
	    TP_ARGS(dev, orig, size, dir, offset, len),
	    TP_STRUCT__entry(__string(device, dev_name(dev))
			     __string(driver, dev_driver_string(dev))
			     __field(u64, orig)
			     __field(size_t, size)
			     __field(int, dir)
			     __field(long, offset)
			     __field(size_t, len)),
	    TP_fast_assign(__assign_str(device);
			   __assign_str(driver);
			   __entry->orig = orig;
			   __entry->size = size;
			   __entry->dir = dir;
			   __entry->offset = offset;
			   __entry->len = len;),
	    TP_printk("device=%s driver=%s orig=%#llx size=%zu dir=%s offset=%ld len=%zu",
		      __get_str(device), __get_str(driver), __entry->orig,
		      __entry->size, show_dma_bounce_dir(__entry->dir),
		      __entry->offset, __entry->len)
);

#endif /* _TRACE_DMA_BOUNCE_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
