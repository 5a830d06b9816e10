# Sourced before the shell examples of the docs run (test/support/shell-examples.ts): the curl
# wrapper that checks each call against what its line documents, the picloud shim and the ERR trap.
set -o pipefail -o errtrace
__failures="$DOCS_FAILURES"
__expected=''
__block=0
__expect() { __expected="$1"; }
__fail() { printf 'block %s: %s\n' "$__block" "$1" >> "$__failures"; }
trap '__fail "command failed ($?): $BASH_COMMAND"' ERR
curl() {
  local expected="$__expected" stream=0 arg out code status body
  __expected=''
  for arg in "$@"; do [ "$arg" = -N ] && stream=1; done
  code=0
  out=$(command curl -sS --max-time "$([ $stream = 1 ] && echo 3 || echo 30)" -w '\n%{http_code}' "$@") || code=$?
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  printf '%s\n' "$body"
  if [ $code -ne 0 ] && ! { [ $stream = 1 ] && [ $code -eq 28 ]; }; then
    __fail "curl $* failed with exit code $code"; return 0
  fi
  local documented=''
  if [[ $expected =~ ^([1-5][0-9][0-9])([^0-9]|$) ]]; then documented=${BASH_REMATCH[1]}; fi
  if [ -n "$documented" ]; then
    [ "$status" = "$documented" ] || __fail "curl $* answered $status, the docs say $documented"
  elif [ "${status:0:1}" = 4 ] || [ "${status:0:1}" = 5 ]; then
    __fail "curl $* answered $status: $(printf '%s' "$body" | head -c 300)"
  fi
  if [ -n "$expected" ] && [ -z "$documented" ]; then
    if printf '%s' "$expected" | command jq -e . >/dev/null 2>&1; then
      [ "$(printf '%s' "$body" | command jq -cS . 2>/dev/null)" = "$(printf '%s' "$expected" | command jq -cS .)" ] ||
        __fail "curl $* printed $(printf '%s' "$body" | head -c 300), the docs say $expected"
    elif [[ $expected =~ ^[A-Za-z0-9_.-]+$ ]]; then
      [ "$body" = "$expected" ] || __fail "curl $* printed $body, the docs say $expected"
    fi
  fi
  return 0
}
# The CLI of this checkout; a failure is recorded with the command (like curl's, above). A `--watch`
# runs until Ctrl+C: here it is stopped after a few seconds, which is not a failure.
picloud() {
  local arg code=0 watch=0
  for arg in "$@"; do if [ "$arg" = --watch ]; then watch=1; fi; done
  if [ $watch = 1 ]; then
    command timeout -s INT 4 node "$PICLOUD_BIN" "$@" || code=$?
    if [ $code = 124 ] || [ $code = 130 ]; then code=0; fi
  else
    command node "$PICLOUD_BIN" "$@" || code=$?
  fi
  if [ $code != 0 ]; then __fail "picloud $* failed with exit code $code"; fi
  return 0
}
# The reader's editor: makes the file a small endpoint script, or adds a line to it.
EDITOR=__editor
__editor() {
  if [ -s "$1" ]; then printf '// edited\n' >> "$1"; else printf '#{ edited: true }\n' > "$1"; fi
}
