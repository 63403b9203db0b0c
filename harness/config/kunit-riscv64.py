# kunit.py --qemu_config for riscv64 on QEMU 10 (bookworm-backports), whose
# "rv64" CPU has Zicbom: the guest then has non-coherent DMA, a cache line
# (riscv,cbom-block-size) of 64 bytes and a swiotlb pool, as an arm64 guest
# has. bookworm's QEMU 7.2 gives none of that (DMA is coherent there).
# harness/qemu10 unpacks QEMU 10 into build/qemu-10; harness/qemu-tcg's
# qemu-system-riscv64 runs it from there.
from ..qemu_config import QemuArchParams
import os

QEMU10 = os.environ.get('BOUNCE_QEMU10') or \
	os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../build/qemu-10')
OPENSBI_PATH = os.path.join(QEMU10, 'usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin')

QEMU_ARCH = QemuArchParams(linux_arch='riscv',
			   kconfig='''
CONFIG_ARCH_VIRT=y
CONFIG_NONPORTABLE=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SERIAL_OF_PLATFORM=y
CONFIG_RISCV_SBI_V01=y
CONFIG_SERIAL_EARLYCON_RISCV_SBI=y
CONFIG_RISCV_ISA_ZICBOM=y
CONFIG_RISCV_DMA_NONCOHERENT=y''',
			   qemu_arch='riscv64',
			   kernel_path='arch/riscv/boot/Image',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=[
					   '-machine', 'virt',
					   '-cpu', 'rv64,zicbom=true',
					   '-bios', OPENSBI_PATH])
