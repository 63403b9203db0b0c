# kunit.py --qemu_config for arm64 with a CPU whose cache line is larger
# than the boot CPU's: QEMU's virt machine with the device tree of
# harness/lib.sh's kunit_dtb_line128, where the second CPU describes
# 128-byte data cache lines and the first none (its line is then the 64
# bytes of CTR_EL0). Booted with maxcpus=1, the second CPU comes online only
# when a test brings it up, long after swiotlb and the bounce decision have
# chosen their lines.
from ..qemu_config import QemuArchParams
import os

DTB = os.environ.get('BOUNCE_KUNIT_DTB') or \
	os.path.join(os.path.dirname(os.path.abspath(__file__)),
		     '../../build/kunit-arm64-line128.dtb')

QEMU_ARCH = QemuArchParams(linux_arch='arm64',
			   kconfig='''
CONFIG_SERIAL_AMBA_PL010=y
CONFIG_SERIAL_AMBA_PL010_CONSOLE=y
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y''',
			   qemu_arch='aarch64',
			   kernel_path='arch/arm64/boot/Image.gz',
			   kernel_command_line='console=ttyAMA0',
			   extra_qemu_params=['-machine', 'virt', '-cpu', 'max',
					      '-dtb', DTB])
