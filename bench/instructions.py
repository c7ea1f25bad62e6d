"""The officers' mix in instructions: what each of its requests costs the Django process,
counted by valgrind (issue #19).

The capacity run (bench/capacity.py) and bench/officer_mix.py time requests, and on
these virtual machines the same code has timed up to twice as slow from one run to the
next. Valgrind's callgrind counts the instructions a process executes instead: the same
code, data and requests give the same count whatever else the machine is doing, so two
versions of the code can be compared by one run of each.

What it runs: the requests of bench/officer_mix.py (its Officer, in-process, DEBUG off),
as one district's officer, in the bench database. Two passes of the whole mix first
(warm-up), then `--requests` of each kind in turn: the district page; the entrepreneur's
form; the form and an answer saved from it; the form downloaded; downloaded and
previewed; downloaded, previewed and committed. A save, a preview and a commit are each
counted as the difference between two of these phases. The process asks callgrind to dump
its count at each phase's end (callgrind_control), so the start-up is not counted.

Not counted: PostgreSQL's work and the readers of uploaded files (other processes); the
query counts of bench/officer_mix.py show the first. It needs valgrind (Debian's package
`valgrind`) and takes about three minutes, most of it Django starting under valgrind.

    .venv/bin/python bench/instructions.py [--district 1001] [--requests 4] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The phases, in order: (name, the Officer's calls of one repetition).
PHASES = [
    ("district page", ("district",)),
    ("entrepreneur form", ("form",)),
    ("form and save", ("form", "save")),
    ("download", ("download",)),
    ("download and preview", ("download", "preview")),
    ("download, preview and commit", ("download", "preview", "commit")),
]
#: Each request of the mix from the phases: its phase less the phase it extends.
REQUESTS = {
    "district page": ("district page", None),
    "entrepreneur form": ("entrepreneur form", None),
    "save answers": ("form and save", "entrepreneur form"),
    "download form": ("download", None),
    "upload preview": ("download and preview", "download"),
    "upload commit": ("download, preview and commit", "download and preview"),
}


def child(district: str, requests: int, url: str) -> None:
    """Run under valgrind: the mix, with a dump of the count after each phase."""
    from bench.common import django_setup

    django_setup(url)
    from django.conf import settings

    import otop_portal.wsgi  # noqa: F401  (the application as the servers load it)
    from bench.officer_mix import Officer
    from otop_portal.bounded import DEFAULT_LIMITS

    # Valgrind reserves address space of its own: the readers' memory limit would end
    # them (their work is not counted here anyway).
    settings.READER_MEMORY_LIMIT_BYTES = dict.fromkeys(DEFAULT_LIMITS, 1 << 44)
    me = Officer(district)

    def dump(label: str) -> None:
        subprocess.run(
            ["callgrind_control", "-d", label, str(os.getpid())],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )

    for _ in range(2):
        for _ in range(3):
            me.district()
        for _ in range(6):
            me.form()
            me.save()
        me.download()
        me.preview()
        me.commit()
    me.form()
    dump("warm-up")
    for index, (_name, calls) in enumerate(PHASES):
        for _ in range(requests):
            for call in calls:
                getattr(me, call)()
        dump(f"phase{index}")


def _dumps(folder: Path) -> dict[str, int]:
    """The count of each phase (PHASES' names) from the main process's dumps."""
    out = {}
    for path in folder.glob("out.*.*"):
        label = total = None
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("desc: Trigger: dump phase"):
                label = PHASES[int(line.rsplit("phase", 1)[1])][0]
            elif line.startswith("summary:"):
                total = int(line.split()[1])
                break
        if label is not None and total is not None:
            out[label] = total
    return out


def measure(district: str, requests: int, url: str) -> dict:
    from bench.officer_mix import WEIGHTS

    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("instructions: valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="callgrind-") as tmp:
        folder = Path(tmp)
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={folder}/out.%p",
                sys.executable,
                __file__,
                "--child",
                "--district",
                district,
                "--requests",
                str(requests),
                "--database-url",
                url,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-3000:])
            raise SystemExit(f"instructions: the run under valgrind failed ({done.returncode})")
        dumps = _dumps(folder)
    missing = [name for name, _calls in PHASES if name not in dumps]
    if missing:
        raise SystemExit(f"instructions: no count for {', '.join(missing)}")
    per_request = {}
    for name, (phase, less) in REQUESTS.items():
        count = dumps[phase] - (dumps[less] if less else 0)
        per_request[name] = round(count / requests)
    mix = sum(WEIGHTS[name] * per_request[name] for name in per_request) / sum(WEIGHTS.values())
    command = ".venv/bin/python bench/instructions.py"

    def figure(name: str, count: float, note: str) -> dict:
        return {
            "figure": f"instructions: {name} (district {district})",
            "value": round(count / 1e6, 1),
            "unit": "M instructions",
            "target": None,
            "target_kind": "",
            "ratio": None,
            "met": None,
            "note": note,
            "command": command,
        }

    return {
        "bench": "instructions",
        "district": district,
        "requests": requests,
        "instructions_per_request": per_request,
        "mix_instructions_per_request": round(mix),
        "weights": WEIGHTS,
        "figures": [
            figure("the officers' mix, per request", mix, "by the locustfile's weights"),
            *(figure(name, count, "") for name, count in per_request.items()),
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--district", default="1001")
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--database-url", help="the bench database (default: otop_bench)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from bench.common import DEFAULT_URL

    url = args.database_url or DEFAULT_URL
    if args.child:
        child(args.district, args.requests, url)
        return
    result = measure(args.district, args.requests, url)
    for name, count in result["instructions_per_request"].items():
        print(f"{name:18s} {count / 1e6:8.1f} M instructions")
    print(
        "the mix's average per request (by the locustfile's weights): "
        f"{result['mix_instructions_per_request'] / 1e6:.1f} M instructions"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
