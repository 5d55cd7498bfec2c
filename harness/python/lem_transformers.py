#!/usr/bin/env python3
"""lem's Hugging Face transformers child (docs/transformers.md).

    python3 harness/python/lem_transformers.py --model MODEL --prompts-file PROMPTS.jsonl \
        [--batch-size N] [--max-new-tokens N] [--max-input-tokens N] [--dtype auto|float16|bfloat16|float32]
        [--device-map auto|none|...] [--attn-implementation NAME] [--trust-remote-code]
        [--temperature T] [--top-p P] [--seed S] [--ignore-eos] [--warmup-batches N] [--protocol-fd FD]

Loads the model, warms up, then generates every prompt in batches inside a measurement window,
reporting on lem's child protocol (file descriptor 3, or the file LEM_PROTOCOL_PATH names).
Nothing is reported before the model is loaded but an error. A failure the user can fix is an
`error` event and exit status 2.
"""
import os
import sys
import traceback

# The harness ships inside lem's npm package: leave its directory as installed (no __pycache__).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lem_harness.args import parse_args, protocol_target  # noqa: E402
from lem_harness.errors import EXIT_FAILURE, HarnessError  # noqa: E402
from lem_harness.prompts import batches, read_prompts  # noqa: E402
from lem_harness.protocol import ProtocolWriter, error_event, open_writer  # noqa: E402
from lem_harness.requirements import import_failure_message, missing_packages, missing_packages_message  # noqa: E402
from lem_harness.run import run_workload  # noqa: E402


def log(message: str) -> None:
    print(f"lem_transformers: {message}", file=sys.stderr, flush=True)


def report_error(writer: ProtocolWriter, message: str) -> None:
    if writer.fd != sys.stderr.fileno():  # else the event itself is on standard error
        print(message, file=sys.stderr, flush=True)
    try:
        writer.send(error_event(message))
    except OSError:
        pass  # lem is gone; the message is in the log


def main(argv, env) -> int:
    try:
        writer = open_writer(protocol_target(argv, env))
    except HarnessError as e:
        print(e, file=sys.stderr)
        return EXIT_FAILURE
    try:
        args = parse_args(argv, env)
        workload = batches(read_prompts(args.prompts_file), args.batch_size)
        missing = missing_packages(args.device_map)
        if missing:
            raise HarnessError(missing_packages_message(missing))
        try:
            from lem_harness import generate
        except ImportError as e:
            raise HarnessError(import_failure_message(e)) from None
        log(f"loading {args.model}")
        engine = generate.load_engine(args, log)
        run_workload(engine, writer, workload, args.warmup_batches)
        return 0
    except HarnessError as e:
        report_error(writer, str(e))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        report_error(writer, "lem_transformers: interrupted")
        return 130
    except Exception as e:  # a bug or an engine failure nobody foresaw: say what, keep the traceback in the log
        traceback.print_exc()
        report_error(writer, f"lem_transformers failed: {type(e).__name__}: {e} (the traceback is in the run's log)")
        return EXIT_FAILURE
    finally:
        writer.close()


def cli() -> None:
    """The lem-transformers command (pip install lem-harness)."""
    sys.exit(main(sys.argv[1:], os.environ))


if __name__ == "__main__":
    cli()
