#!/bin/bash
# Rebuild branch fold/B (series B: swiotlb line slots) from 7.2.13 using the
# saved file states in /tmp/foldplan/state.  Scratch clone only.
set -euo pipefail
cd /tmp/foldplan/linux
S=/tmp/foldplan/state
BASE=c8b6b953d
git checkout -q -B fold/B $BASE
put() { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; git add -f "$2"; }
# B1
put $S/b1/swiotlb.c kernel/dma/swiotlb.c
put $S/b1/swiotlb.h kernel/dma/swiotlb.h
git commit -q -F /tmp/foldplan/msg/b1
# B2
for f in kernel/dma/swiotlb.c include/linux/swiotlb.h Documentation/core-api/swiotlb.rst \
	 Documentation/admin-guide/kernel-parameters.txt kernel/dma/Kconfig kernel/dma/Makefile; do
	put $S/b2/$f $f
done
put $S/b2/swiotlb.h kernel/dma/swiotlb.h
put $S/b2/swiotlb_kunit.c kernel/dma/swiotlb_kunit.c
put $S/b4/kernel/dma/swiotlb.kunitconfig kernel/dma/swiotlb.kunitconfig
put $S/b4/kernel/dma/swiotlb_dynamic.kunitconfig kernel/dma/swiotlb_dynamic.kunitconfig
git commit -q -F /tmp/foldplan/msg/b2
# B3
put $S/b3-direct.h kernel/dma/direct.h
git commit -q -F /tmp/foldplan/msg/b3
# B4
for f in kernel/dma/swiotlb.c include/linux/swiotlb.h kernel/dma/direct.h kernel/dma/direct.c \
	 drivers/xen/swiotlb-xen.c kernel/dma/swiotlb_kunit.c; do
	put $S/b4/$f $f
done
put $S/b4/swiotlb.h kernel/dma/swiotlb.h
git commit -q -F /tmp/foldplan/msg/b4
git log --oneline $BASE..fold/B
