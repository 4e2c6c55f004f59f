#!/bin/bash
# eval/check_unseen.py reads .docx and text files but not PDF. This runs it over eval/unseen9 with
# s05_tianhe_2024.pdf replaced, for the run only, by its pypdf text under the same name (restored on exit).
# Usage (repository root): bash eval/unseen9/check_with_pdf_text.sh
set -u
cd "$(dirname "$0")/../.."
PY=${PY:-/work/main/.venv/bin/python}
R=eval/unseen9/reports/s05_tianhe_2024.pdf
KEEP=$(mktemp)
cp "$R" "$KEEP"
trap 'cp "$KEEP" "$R"; rm -f "$KEEP"' EXIT
"$PY" -c "import pypdf,sys; r=pypdf.PdfReader(sys.argv[1]); open(sys.argv[2],'w',encoding='utf-8').write('\n'.join(p.extract_text() for p in r.pages))" "$KEEP" "$R"
"$PY" eval/check_unseen.py --qa eval/qa_unseen9.jsonl --reports eval/unseen9/reports \
    --min-counts "paraphrase=22,trap=22,unanswerable=16,yes_no=16,conversation=12,cross=10,false_premise=6,typo=6,trad=5,fact=8"
