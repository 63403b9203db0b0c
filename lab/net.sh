# shellcheck shell=sh
# Sourced by the lab's guest scripts.

# lab_nics: the lab's NICs, in the order nics_ring gives them addresses
lab_nics() {
	ls /sys/class/net | grep -E '^(eth|usb)[0-9]+$' | sort
}

# nics_ring: the NICs, on one QEMU hub, in a ring: each is brought up and
# gets 10.0.k.1, and a static ARP entry names the next NIC's MAC address
# as 10.0.k.2, so that NIC k's pings to 10.0.k.2 cross the hub and are
# received (DMA) by NIC k+1, which drops them, since this host does not
# forward. Sets nics to the NICs in that order (and uses i, k, down, nic
# and next).
nics_ring() {
	set -- $(lab_nics)
	nics="$*"
	for nic in $nics; do
		ip link set "$nic" up 2>/dev/null
	done
	# e1000e takes a few seconds to see its link
	i=0
	while [ "$i" -lt 20 ]; do
		down=0
		for nic in $nics; do
			[ "$(cat /sys/class/net/$nic/carrier 2>/dev/null)" = 1 ] || down=1
		done
		[ "$down" = 0 ] && break
		sleep 0.5
		i=$((i + 1))
	done
	k=0
	for nic in $nics; do
		shift
		next=${1:-${nics%% *}}
		ip addr add "10.0.$k.1/24" dev "$nic"
		arp -i "$nic" -s "10.0.$k.2" "$(cat /sys/class/net/$next/address)"
		k=$((k + 1))
	done
}
