# tests/vm/vm.mk - QEMU test VM targets; included by the top-level Makefile.
#
#   $(VM_RUN) [options] -- COMMAND...   run COMMAND in the VM (see --help)
#   make vm-prep                        kernel + initramfs ready (runs
#                                       scripts/deps when build/kver or the
#                                       extracted VM kernel is missing)
#   make vm-shell [VM_ARGS=...]         interactive shell in the VM
#
# To have vm-shell (re)build the module first, add a prerequisite in the
# top-level Makefile, e.g.  vm-shell: module

VM_RUN  := tests/vm/run
VM_ARGS ?=

# Do not become the default goal when included before the first rule.
vm_saved_goal := $(.DEFAULT_GOAL)

.PHONY: vm-prep vm-shell

vm-prep:
	@kver=$$(cat build/kver 2>/dev/null); \
	if [ -z "$$kver" ] || [ ! -e "build/vm/kernel-$$kver/.stamp" ]; then \
		scripts/deps; \
	fi
	@$(VM_RUN) --prep

vm-shell: vm-prep
	$(VM_RUN) $(VM_ARGS) --shell

.DEFAULT_GOAL := $(vm_saved_goal)
