#!/usr/bin/env python3
"""scrape.py - fetch a Prometheus text endpoint and check its format.

  scrape.py URL               print "name{labels} value" lines, sorted;
                              exit 1 (with the reason on stderr) if any
                              line breaks the text format
  scrape.py status URL        print the HTTP status code of a GET
"""
import re
import sys
import urllib.error
import urllib.request

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^{}]*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$')
LABEL = re.compile(r'^[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"$')
TYPES = ('counter', 'gauge', 'histogram', 'summary', 'untyped')


def fetch(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        ctype = r.headers.get('Content-Type', '')
        return ctype, r.read().decode('utf-8')


def check(text):
    families = {}
    current = None
    out = []
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('# HELP '):
            continue
        if line.startswith('# TYPE '):
            parts = line.split(' ')
            if len(parts) != 4 or parts[3] not in TYPES:
                return None, 'line %d: bad TYPE: %s' % (n, line)
            if parts[2] in families:
                return None, 'line %d: %s described twice' % (n, parts[2])
            families[parts[2]] = parts[3]
            current = parts[2]
            continue
        m = SAMPLE.match(line)
        if not m:
            return None, 'line %d: not a sample: %r' % (n, line)
        name, labels = m.group(1), m.group(2)
        if current is None or not name.startswith(current):
            return None, 'line %d: %s outside its family block' % (n, name)
        if labels:
            for lab in re.findall(r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"', labels):
                if not LABEL.match(lab):
                    return None, 'line %d: bad label %s' % (n, lab)
        out.append(line)
    if not text.endswith('\n'):
        return None, 'no final newline'
    return sorted(out), None


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'status':
        try:
            urllib.request.urlopen(sys.argv[2], timeout=5)
            print(200)
        except urllib.error.HTTPError as e:
            print(e.code)
        return 0
    ctype, text = fetch(sys.argv[1])
    if not ctype.startswith('text/plain; version=0.0.4'):
        print('bad Content-Type: %s' % ctype, file=sys.stderr)
        return 1
    lines, err = check(text)
    if err:
        print(err, file=sys.stderr)
        return 1
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())
