# shellcheck shell=sh
# Sourced by the lab's guest scripts.

# the block device whose serial (virtio, nvme), model (USB, SCSI, SATA) or
# name (SD card) is $1
disk() {
	for b in /sys/block/*; do
		for f in "$b/serial" "$b/device/serial" "$b/device/model" \
			 "$b/device/name"; do
			if [ -r "$f" ] && grep -q "$1" "$f" 2>/dev/null; then
				echo "/dev/${b##*/}"
				return
			fi
		done
	done
}
