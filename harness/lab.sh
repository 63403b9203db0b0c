# shellcheck shell=bash
# The QEMU arm64 lab: a virt machine whose PCIe and virtio devices Linux
# treats as non-coherent; and with LAB_ARCH=x86_64, a q35 machine, coherent,
# which the lab audits. Sourced after lib.sh.

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
	local machine=$1 dtb dts version
	# each QEMU version has its own virt machine, and so its own tree
	version=$(qemu-system-aarch64 --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
	dtb=$LAB/${machine//[,=]/-}-qemu-$version-noncoherent.dtb
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
	for d in vblk:64M nvme:64M usb:16M sata:64M vscsi:64M sd:64M; do
		[ -e "$LAB/${d%%:*}.img" ] || truncate -s "${d#*:}" "$LAB/${d%%:*}.img"
	done
	rm -f "$LAB/out.img"
	truncate -s 32M "$LAB/out.img"
}

# What the guest prints when QEMU's TCG fails it, not the kernel: on 7.2.13
# about one boot in ten died so, in nvme_pci_enable(), writing the nvme
# admin queue register during the asynchronous probe (never in our code).
LAB_FLAKE=${LAB_FLAKE:-'Internal error: synchronous external abort'}

# QEMU options the caller adds to every boot (harness/lab-fixed: -icount);
# set them after sourcing this file, which empties them
LAB_QEMU_EXTRA=()

# lab_boot KERNEL INITRAMFS MACHINE LOG CMDLINE...: boot the lab machine
# with all its devices, the guest's console in LOG. The guest writes its
# results as a tar archive to the disk with serial "labout" ($LAB/out.img).
# LAB_COHERENT=1 keeps QEMU's own device tree, whose devices are coherent.
# A boot that hits LAB_FLAKE is stopped at once and made again, once; the
# first console is kept as LOG.flake.
lab_boot() {
	local attempt status
	for attempt in 1 2; do
		status=0
		lab_boot_once "$@" || status=$?
		[ "$status" = 75 ] || return "$status"
		[ "$attempt" = 1 ] || break
		mv "$4" "$4.flake"
		say "the guest hit a QEMU fault (\"$LAB_FLAKE\", see $4.flake): booting again"
	done
	say "the guest hit the QEMU fault again (see $4): giving up"
	return 1
}

# lab_machine_args MACHINE: set qemu, console and machine_args (an array)
# to QEMU's binary, the guest's console, and the machine, CPU and devices
# only that machine has, for LAB_ARCH
lab_machine_args() {
	local machine=$1
	case ${LAB_ARCH:-arm64} in
	x86_64)
		# the SATA disk on q35's own ICH9 AHCI controller
		qemu=qemu-system-x86_64 console=ttyS0
		machine_args=(-machine q35 -cpu max
			-device ide-hd,drive=sata,bus=ide.0,model=LABSATA) ;;
	*)
		# the SATA disk on an ICH9 AHCI controller of its own
		qemu=qemu-system-aarch64 console=ttyAMA0
		machine_args=(-machine "$machine" -cpu max
			-device ich9-ahci,id=ahci
			-device ide-hd,drive=sata,bus=ahci.0,model=LABSATA)
		[ "${LAB_COHERENT:-0}" = 1 ] ||
			machine_args+=(-dtb "$(lab_dtb "$machine")") ;;
	esac
	machine_args+=(-drive "file=$LAB/sata.img,if=none,format=raw,id=sata")
}

lab_boot_once() {
	local kernel=$1 initrd=$2 machine=$3 log=$4 machine_args=() console qemu
	shift 4
	lab_machine_args "$machine"
	lab_disks
	local iommu=iommu_platform=on,disable-legacy=on
	# empty now, not when QEMU starts: the watch below must never see the
	# console of an earlier boot
	: >"$log"
	timeout 1200 "$qemu" "${machine_args[@]}" "${LAB_QEMU_EXTRA[@]}" \
		-smp "$LAB_SMP" -m "$LAB_MEM" -nographic -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=$console $*" \
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
		-device "virtio-scsi-pci,id=vscsi,$iommu" \
		-drive "file=$LAB/vscsi.img,if=none,format=raw,id=vscsi" \
		-device scsi-hd,bus=vscsi.0,drive=vscsi,product=LABVSCSI \
		-device sdhci-pci \
		-drive "file=$LAB/sd.img,if=none,format=raw,id=sd" \
		-device sd-card,drive=sd \
		-netdev hubport,id=n0,hubid=0 -netdev hubport,id=n1,hubid=0 \
		-netdev hubport,id=n2,hubid=0 -netdev hubport,id=n3,hubid=0 \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,$iommu" \
		-device e1000e,netdev=n1,mac=52:54:00:00:00:02 \
		-device e1000,netdev=n2,mac=52:54:00:00:00:03 \
		-device usb-net,bus=xhci.0,port=2,netdev=n3,mac=52:54:00:00:00:04 \
		-device pci-testdev \
		</dev/null >"$log" 2>&1 &
	local qemu=$! status=0
	# progress: what the guest reports, as it reports it
	tail -n +1 -F --pid="$qemu" "$log" 2>/dev/null |
		awk '/^LAB: / && !/^LAB: fact/ {
			sub(/^LAB: /, "    guest: "); print; fflush()
		}' >&2 &
	local progress=$!
	while kill -0 "$qemu" 2>/dev/null; do
		if grep -aqF "$LAB_FLAKE" "$log"; then
			kill "$qemu" 2>/dev/null || true
			wait "$qemu" 2>/dev/null || true
			wait "$progress" 2>/dev/null || true
			return 75
		fi
		sleep 1
	done
	wait "$qemu" || status=$?
	wait "$progress" 2>/dev/null || true
	return "$status"
}

# lab_map_benchmark OUT: the kernel's tools/dma/dma_map_benchmark of the
# patched tree, static, for LAB_ARCH, as OUT
lab_map_benchmark() {
	local cc=aarch64-linux-gnu-gcc inc=$LAB/map-benchmark-include
	[ "${LAB_ARCH:-arm64}" = arm64 ] || cc=gcc
	mkdir -p "$inc/linux"
	cp "$TREE/include/uapi/linux/map_benchmark.h" "$inc/linux/"
	"$cc" -static -O2 -Wall -I"$inc" -o "$1" \
		"$TREE/tools/dma/dma_map_benchmark.c" ||
		die "could not build tools/dma/dma_map_benchmark"
}

# lab_initramfs NAME: the lab's initramfs for LAB_ARCH, with the guest
# scripts of lab/ and dma-bounce-record, as $LAB/initramfs-NAME.cpio.gz;
# prints its path
lab_initramfs() {
	local extra=$LAB/extra-$1
	rm -rf "$extra"
	mkdir -p "$extra/lab" "$extra/usr/bin"
	cp "$TOP"/lab/* "$extra/lab/"
	cp "$TOP/tools/perf-scripts/bin/dma-bounce-record" "$extra/usr/bin/"
	lab_map_benchmark "$extra/usr/bin/dma_map_benchmark"
	say "initramfs for ${LAB_ARCH:-arm64} from Debian's packages"
	"$TOP/harness/initramfs" "$extra" "$LAB/initramfs-$1.cpio.gz" | tail -n 1
}

# lab_report RUN_DIR: dma-bounce-report of a run's recording: report.txt,
# drivers.csv and rate.png in RUN_DIR
lab_report() {
	"$TOP/tools/perf-scripts/bin/dma-bounce-report" -i "$1/run.perf.data" -- \
		--top 3 --csv "$1/drivers.csv" --png "$1/rate.png" \
		>"$1/report.txt" 2>"$1/report.err"
}

# lab_results DIR: unpack what the guest wrote to the output disk
lab_results() {
	mkdir -p "$1"
	tar -xf "$LAB/out.img" -C "$1" 2>/dev/null ||
		die "the guest wrote no results (see its console log)"
}
