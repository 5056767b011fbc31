"""Personal-data detection: recall and false positives of the redactor (`moderation.pii`) and
of the verifier's independent scan (`releases.leakscan`), on the hand-written corpus in
`tests/moderation/pii_corpus.py`.

    python bench/pii.py            # or: python -m bench.pii

Recall (redactor): the needle, and each 4-character piece of it, is gone from the redaction.
Recall (verify): the verifier's scan flags the *original* text. Caught by verify: of the cases
the redactor missed, how many the verifier flags in the redacted text, i.e. releases it would
refuse. False positives: clean texts the redactor changes / the verifier flags.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from moderation.pii import pii_redact  # noqa: E402
from releases.leakscan import leaks  # noqa: E402
from tests.moderation.pii_corpus import CLEAN, PERSONAL, redactor_recalls  # noqa: E402


def main() -> int:
    total: Counter[str] = Counter()
    redacted: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    missed, caught = [], 0
    for kind, text, needle in PERSONAL:
        total[kind] += 1
        if redactor_recalls(text, needle):
            redacted[kind] += 1
        else:
            missed.append((kind, text))
            caught += bool(leaks(pii_redact(text)))
        flagged[kind] += bool(leaks(text))
    print(f"{'kind':<10}{'cases':>6}{'redactor':>10}{'verify':>8}")
    for kind in sorted(total):
        print(f"{kind:<10}{total[kind]:>6}{redacted[kind] / total[kind]:>10.0%}"
              f"{flagged[kind] / total[kind]:>8.0%}")
    n = sum(total.values())
    print(f"{'all':<10}{n:>6}{sum(redacted.values()) / n:>10.0%}{sum(flagged.values()) / n:>8.0%}")
    print(f"redactor misses caught by verify: {caught} of {len(missed)}")
    for kind, text in missed:
        print(f"  missed ({kind}): {text!r} -> {pii_redact(text)!r}")
    changed = [t for t in CLEAN if pii_redact(t) != t]
    noisy = [t for t in CLEAN if leaks(t)]
    print(f"false positives on {len(CLEAN)} clean texts: redactor {len(changed) / len(CLEAN):.1%}, "
          f"verify {len(noisy) / len(CLEAN):.1%}")
    for text in changed:
        print(f"  redactor changed: {text!r} -> {pii_redact(text)!r}")
    for text in noisy:
        print(f"  verify flagged: {text!r}: {leaks(text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
