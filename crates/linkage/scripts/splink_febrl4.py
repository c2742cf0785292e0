#!/usr/bin/env python3
"""Splink baseline for `redress bench dedup`: links FEBRL 4 (dataset4a.csv x dataset4b.csv).

Usage: splink_febrl4.py DIR THRESHOLD

The configuration follows Splink's own FEBRL 4 tutorial: name comparisons with term-frequency
adjustments, date-of-birth, Damerau-Levenshtein on the social security id and the postcode,
exact street number; the prior from deterministic rules, u by random sampling, m by EM on two
blocking rules. Pairs at or above THRESHOLD are kept one-to-one (best probability first, each
record at most once), as the Rust linkage does, and scored against the true pairs (the number
in rec_id). The time covers the linkage (DuckDB set-up, training, prediction), not reading the
files. Prints one line:

    splink-febrl4: precision P recall R f1 F seconds S

Exits with status 3 (and prints nothing) when Splink cannot be imported.
"""

import logging
import os
import sys
import time


def person(rec_id):
    parts = rec_id.split("-")
    return parts[1] if len(parts) > 1 else rec_id


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    directory, threshold = sys.argv[1], float(sys.argv[2])
    try:
        import pandas as pd
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except ImportError:
        return 3

    logging.disable(logging.WARNING)
    frames = []
    for name in ("dataset4a.csv", "dataset4b.csv"):
        frame = pd.read_csv(
            os.path.join(directory, name), dtype=str, skipinitialspace=True, keep_default_na=False
        )
        frame.columns = [c.strip() for c in frame.columns]
        frame = frame.apply(lambda column: column.str.strip()).replace("", None)
        frames.append(frame)

    started = time.perf_counter()
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    if hasattr(db_api, "register"):  # Splink 5
        tables = [db_api.register(f, table_name=n) for f, n in zip(frames, ("a", "b"))]
        linker = Linker(tables, settings)
    else:  # Splink 4
        linker = Linker(frames, settings, db_api=db_api)
    linker.training.estimate_probability_two_random_records_match(
        [
            "l.soc_sec_id = r.soc_sec_id",
            "l.given_name = r.given_name and l.surname = r.surname "
            "and l.date_of_birth = r.date_of_birth",
        ],
        recall=0.9,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=16)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    scored = predictions.as_pandas_dataframe()
    seconds = time.perf_counter() - started

    scored = scored.sort_values("match_probability", ascending=False, kind="stable")
    used_l, used_r, chosen = set(), set(), []
    for left, right in zip(scored["rec_id_l"], scored["rec_id_r"]):
        if left in used_l or right in used_r:
            continue
        used_l.add(left)
        used_r.add(right)
        chosen.append((left, right))
    a_people = {person(r) for r in frames[0]["rec_id"]}
    truth = sum(1 for r in frames[1]["rec_id"] if person(r) in a_people)
    correct = sum(1 for left, right in chosen if person(left) == person(right))
    precision = correct / len(chosen) if chosen else 0.0
    recall = correct / truth if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(
        f"splink-febrl4: precision {precision:.4f} recall {recall:.4f} f1 {f1:.4f} "
        f"seconds {seconds:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
