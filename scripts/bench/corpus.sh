#!/usr/bin/env bash
# The benchmarks' corpus of real documents from Debian packages (installed by
# scripts/install-deps.sh --bench): HTML manuals (Python, the Debian Administrator's
# Handbook in every language it ships, the Debian Reference in English and Chinese), the
# PDFs packages ship and man pages typeset to PDF by groff, Chinese verse (fortunes-zh), then
# text (Chinese and English man pages, changelogs, READMEs, licences) up to DOCUMENTS.
# Sourced. Usage: build_corpus OUT DOCUMENTS -> OUT/corpus/*, OUT/list (sorted paths).
build_corpus() {
  local out=$1 documents=$2
  mkdir -p "$out/corpus"
  n=0
  add() {  # add FILE EXT: copy (or decompress) into the corpus under a numbered name
    n=$((n + 1))
    local dest
    dest=$(printf '%s/corpus/%06d.%s' "$out" "$n" "$2")
    if [[ "$1" == *.gz ]]; then zcat -- "$1" >"$dest" 2>/dev/null || rm -f "$dest"; else cp -- "$1" "$dest"; fi
  }
  while IFS= read -r f; do add "$f" html; done < <(find /usr/share/doc/python3.11/html /usr/share/doc/debian-handbook \
    /usr/share/debian-reference -name '*.html' -size +1k 2>/dev/null | sort)
  echo "corpus: $n HTML pages"
  while IFS= read -r f; do add "$f" pdf; done < <(find /usr/share/doc /usr/share/debian-reference -name '*.pdf' 2>/dev/null | sort)
  pdfs=0
  while IFS= read -r f; do
    n=$((n + 1)); pdfs=$((pdfs + 1))
    zcat -- "$f" 2>/dev/null | groff -man -Tpdf -Kutf8 2>/dev/null >"$(printf '%s/corpus/%06d.pdf' "$out" "$n")" || true
  done < <(find /usr/share/man/man1 -name '*.1.gz' | sort | head -n 300)
  echo "corpus: $n with PDFs ($pdfs man pages typeset by groff)"
  # Chinese verse: one poem per document.
  for f in /usr/share/games/fortunes/*.u8; do
    awk -v dir="$out/corpus" -v start="$n" -v base="$(basename "$f" .u8)" '
      /^%$/ { if (text != "") { i++; file = sprintf("%s/%06d.txt", dir, start + i); printf "%s", text > file; close(file) } text = ""; next }
      { text = text $0 "\n" }
      END { if (text != "") { i++; file = sprintf("%s/%06d.txt", dir, start + i); printf "%s", text > file } print i > "/dev/stderr" }' \
      "$f" 2>"$out/poems"
    n=$((n + $(cat "$out/poems")))
  done
  echo "corpus: $n with Chinese verse"
  while IFS= read -r f; do
    [[ $n -ge $documents ]] && break
    add "$f" txt
  done < <( (find /usr/share/man/zh_CN -name '*.gz'; find /usr/share/doc -name 'changelog.Debian.gz' -o -name 'README*' \
    -o -name 'copyright' -o -name '*.txt' -o -name '*.md'; find /usr/share/common-licenses -type f; \
    find /usr/share/man/man1 /usr/share/man/man3 /usr/share/man/man5 /usr/share/man/man8 /usr/share/man/man7 -name '*.gz') \
    2>/dev/null | grep -v -e '\.html$' -e '\.pdf$')
  find "$out/corpus" -type f -empty -delete
  find "$out/corpus" -type f | sort >"$out/list"
  echo "corpus: $(wc -l <"$out/list") documents, $(du -sb "$out/corpus" | cut -f1) bytes"
}
