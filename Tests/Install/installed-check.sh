#!/usr/bin/env bash
# Checks what `make install PREFIX=DIR` put under DIR, as a user would use it: the man
# pages render with `man -l` and describe the commands as they are now (the pages come
# from the commands' own definitions), the bash completion loads (`complete -p pmu`) and
# completes a subcommand and an option, the zsh and fish completions are there, and the
# installed binaries run. make test runs it on a fresh install of the debug build.
set -euo pipefail

prefix=${1:?usage: installed-check.sh PREFIX}
failures=0
fail() { echo "install check: FAILED: $*" >&2; failures=$((failures + 1)); }

# contains TEXT NEEDLE WHAT: TEXT has NEEDLE (fixed string).
contains() { grep -qF -- "$2" <<<"$1" || fail "$3: no '$2' in it"; }

for tool in pmu pmu-bench; do
  page="$prefix/share/man/man1/$tool.1"
  [ -f "$page" ] || { fail "$page is not installed"; continue; }
  # man -l formats the file itself (mdoc, through groff); its exit status says whether it could.
  if rendered=$(MANWIDTH=120 timeout 30 man -l "$page" 2>/dev/null); then
    contains "$rendered" "NAME" "man -l $page"
    contains "$rendered" "$tool —" "man -l $page (the NAME line)"
    contains "$rendered" "--prometheus" "man -l $page (the new option)"
  else
    fail "man -l $page exited with $?"
  fi
  "$prefix/bin/$tool" --help > /dev/null || fail "$prefix/bin/$tool --help exited with $?"
  [ -s "$prefix/share/zsh/site-functions/_$tool" ] || fail "the zsh completion _$tool is missing or empty"
  grep -q "^#compdef $tool" "$prefix/share/zsh/site-functions/_$tool" 2>/dev/null \
    || fail "_$tool does not start with #compdef $tool"
  grep -q "complete -c '\?$tool'\? " "$prefix/share/fish/vendor_completions.d/$tool.fish" 2>/dev/null \
    || fail "the fish completion $tool.fish has no 'complete -c $tool'"
done
rendered=$(MANWIDTH=120 man -l "$prefix/share/man/man1/pmu.1" 2>/dev/null || true)
contains "$rendered" "Count events while a command runs" "man -l pmu.1 (the stat subcommand)"

# The bash completion, loaded into a clean bash: registered, and completing from the current options.
completion="$prefix/share/bash-completion/completions/pmu"
answer=$(PATH="$prefix/bin:$PATH" timeout 30 bash --norc --noprofile -c '
  source "$1" || exit 1
  complete -p pmu || exit 1
  function=$(complete -p pmu | sed -E "s/.* -F ([^ ]+) .*/\1/")
  COMP_WORDS=(pmu st); COMP_CWORD=1; COMP_LINE="pmu st"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  "$function" pmu st pmu; echo "subcommand: ${COMPREPLY[*]}"
  COMP_WORDS=(pmu stat --prom); COMP_CWORD=2; COMP_LINE="pmu stat --prom"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  "$function" pmu --prom stat; echo "option: ${COMPREPLY[*]}"
' check "$completion" 2>&1) || fail "sourcing $completion and complete -p pmu failed: $answer"
contains "$answer" "-F _pmu pmu" "complete -p pmu"
contains "$answer" "subcommand: stat" "completing 'pmu st'"
contains "$answer" "option: --prometheus" "completing 'pmu stat --prom'"

if [ "$failures" -ne 0 ]; then
  echo "install check: $failures failed" >&2
  exit 1
fi
echo "install check: man -l pmu.1 and pmu-bench.1 render; complete -p pmu: $(grep -o -- '-F _pmu pmu' <<<"$answer");" \
  "'pmu st' completes to stat, 'pmu stat --prom' to --prometheus"
