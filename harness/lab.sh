# shellcheck shell=bash
# The QEMU arm64 lab: a virt machine whose PCIe and virtio devices Linux
# treats as non-coherent. Sourced after lib.sh.

LAB=$BUILD/lab
LAB_SMP=2
LAB_MEM=1024

# lab_machine [smmuv3]: the -machine option of a lab run
lab_machine() {
	if [ "${1:-}" = smmuv3 ]; then
		echo "virt,iommu=smmuv3"
	else
		echo "virt"
	fi
}

# lab_dtb MACHINE: QEMU's device tree for MACHINE with every dma-coherent
# property removed, so that Linux does cache maintenance for all devices
# (and bounces their misaligned inbound mappings). Prints its path.
lab_dtb() {
	local machine=$1 dtb dts
	dtb=$LAB/${machine//[,=]/-}-noncoherent.dtb
	mkdir -p "$LAB"
	if [ ! -s "$dtb" ]; then
		qemu-system-aarch64 -machine "$machine,dumpdtb=$LAB/qemu.dtb" \
			-cpu max -smp "$LAB_SMP" -m "$LAB_MEM" -nographic \
			>/dev/null 2>&1 || die "qemu could not dump its device tree"
		dts=$LAB/qemu.dts
		dtc -q -I dtb -O dts -o "$dts" "$LAB/qemu.dtb"
		grep -q 'dma-coherent;' "$dts" ||
			die "QEMU's device tree has no dma-coherent property to remove"
		sed -i '/dma-coherent;/d' "$dts"
		dtc -q -I dts -O dtb -o "$dtb" "$dts"
	fi
	echo "$dtb"
}

# lab_disks: the disk images of the lab, made once (sparse files)
lab_disks() {
	local d
	mkdir -p "$LAB"
	for d in vblk:64M nvme:64M usb:16M; do
		[ -e "$LAB/${d%%:*}.img" ] || truncate -s "${d#*:}" "$LAB/${d%%:*}.img"
	done
	rm -f "$LAB/out.img"
	truncate -s 32M "$LAB/out.img"
}

# lab_boot KERNEL INITRAMFS MACHINE LOG CMDLINE...: boot the lab machine
# with all its devices, the guest's console in LOG. The guest writes its
# results as a tar archive to the disk with serial "labout" ($LAB/out.img).
# LAB_COHERENT=1 keeps QEMU's own device tree, whose devices are coherent.
lab_boot() {
	local kernel=$1 initrd=$2 machine=$3 log=$4 dtb=()
	shift 4
	if [ "${LAB_COHERENT:-0}" != 1 ]; then
		dtb=(-dtb "$(lab_dtb "$machine")")
	fi
	lab_disks
	local iommu=iommu_platform=on,disable-legacy=on
	timeout 1200 qemu-system-aarch64 -machine "$machine" -cpu max \
		-smp "$LAB_SMP" -m "$LAB_MEM" -nographic -no-reboot \
		-kernel "$kernel" -initrd "$initrd" "${dtb[@]}" \
		-append "console=ttyAMA0 $*" \
		-drive "file=$LAB/vblk.img,if=none,format=raw,id=vblk" \
		-device "virtio-blk-pci,drive=vblk,serial=labvblk,$iommu" \
		-drive "file=$LAB/out.img,if=none,format=raw,id=out" \
		-device "virtio-blk-pci,drive=out,serial=labout,$iommu" \
		-drive "file=$LAB/nvme.img,if=none,format=raw,id=nvme" \
		-device "nvme,drive=nvme,serial=labnvme" \
		-device qemu-xhci,id=xhci \
		-device usb-hub,bus=xhci.0,port=1,id=hub \
		-device usb-kbd,bus=xhci.0,port=1.1 \
		-drive "file=$LAB/usb.img,if=none,format=raw,id=usb" \
		-device usb-storage,bus=xhci.0,port=1.2,drive=usb \
		-netdev hubport,id=n0,hubid=0 -netdev hubport,id=n1,hubid=0 \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,$iommu" \
		-device e1000e,netdev=n1,mac=52:54:00:00:00:02 \
		</dev/null 2>&1 | tee "$log" |
		# progress: what the guest reports, as it reports it
		awk '/^LAB: / && !/^LAB: fact/ {
			sub(/^LAB: /, "    guest: "); print; fflush()
		}' >&2
}

# lab_results DIR: unpack what the guest wrote to the output disk
lab_results() {
	mkdir -p "$1"
	tar -xf "$LAB/out.img" -C "$1" 2>/dev/null ||
		die "the guest wrote no results (see its console log)"
}
