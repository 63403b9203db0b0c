#!/usr/bin/env python3
"""Strip the non-B (dma-mapping policy / observability / dma-debug) hunks from
a version of kernel/dma/swiotlb.c of the series, leaving the swiotlb line-slot
work (series B) on top of 7.2.13."""
import re, sys
s = sys.stdin.read()
def sub(pat, rep, s, flags=0, must=False):
    n = re.subn(pat, rep, s, flags=flags)
    if must and n[1] == 0:
        sys.stderr.write("NO MATCH: %r\n" % pat[:60]); sys.exit(1)
    return n[0]
# C: trace events header (swiotlb.c hosts CREATE_TRACE_POINTS for it)
s = sub(r'#include <trace/events/dma_bounce.h>\n', '', s)
# C: private header of the policy -> B's own private header for test hooks
s = sub(r'\n#include "bounce.h"\n', '\n#include "swiotlb.h"\n', s)
# C/D/A-hazard: tracepoint exports
s = sub(r'(EXPORT_TRACEPOINT_SYMBOL_GPL\(dma_bounce_\w+\);\n)+\n', '', s)
# C: copy-back trace in swiotlb_bounce()
s = sub(r'\tif \(dir != DMA_TO_DEVICE\)\n\t\ttrace_dma_bounce_copy_back\(dev, orig_addr, tlb_addr, size, dir,\n\t\t\t\t\t   DMA_BOUNCE_NONE\);\n\n', '', s)
# C: copy-back trace in swiotlb_lines_copy() (B's code; C adds the trace)
s = sub(r'\tif \(dir != DMA_TO_DEVICE\) \{\n\t\tif \(!dev_is_dma_coherent\(dev\)\)\n\t\t\tarch_sync_dma_flush\(\);\n\t\ttrace_dma_bounce_copy_back\(dev, orig_addr, tlb_addr, size, dir,\n\t\t\t\t\t   DMA_BOUNCE_NONE\);\n\t\}\n',
        '\tif (dir != DMA_TO_DEVICE && !dev_is_dma_coherent(dev))\n\t\tarch_sync_dma_flush();\n', s)
# C: exports for inline policy helpers in modules
s = sub(r'EXPORT_SYMBOL_GPL\(is_swiotlb_active\);\n', '', s)
s = sub(r'EXPORT_SYMBOL_GPL\(swiotlb_max_mapping_size\);\n', '', s)
# C: swiotlb_below_half() (kdoc + function + export + blank line)
s = sub(r'/\*\*\n \* swiotlb_below_half\(\).*?EXPORT_SYMBOL_GPL\(swiotlb_below_half\);\n\n', '', s, flags=re.S, must=True)
if 'dma_bounce' in s or 'DMA_BOUNCE' in s:
    sys.stderr.write("left-over dma_bounce references\n"); sys.exit(1)
sys.stdout.write(s)
