#!/usr/bin/env python3
"""Compare hotline-wfm's forecasts with statsmodels' Holt-Winters on the same generated series.

Run from the repository root:

    cargo run --release -p hotline-wfm --example forecast_eval -- target/wfm-eval
    pip install statsmodels            # 0.15.0 was used for the book's table
    python3 crates/hotline-wfm/scripts/compare_forecast.py target/wfm-eval

The example writes `series.csv` (the generated two-year series) and `forecasts.csv` (every
forecast of hotline-wfm's models from every origin of three windows). This script fits
statsmodels' `ExponentialSmoothing` (additive weekly seasonality of 336 half hours, additive
damped trend off, fitted on the 8 weeks before each origin, heuristic initialisation) from the
same origins, and scores every model with the same MASE (scale: the in-sample mean absolute error
of the weekly seasonal naive over the whole history before the origin) at lead days 1, 7 and 14,
and the 95% interval coverage where a model gives intervals.
"""
import csv
import sys
import time
import warnings
from collections import defaultdict

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

PER_DAY = 48
WEEK = 7 * PER_DAY
HORIZON = 14 * PER_DAY
FIT_WEEKS = 8


def main(path):
    times, values = [], []
    with open(f"{path}/series.csv") as f:
        for row in csv.DictReader(f):
            times.append(row["timestamp"])
            values.append(float(row["volume"]))
    y = np.array(values)
    index = {t: i for i, t in enumerate(times)}

    # forecasts[(window, model)][origin] = (mean, lower, upper) arrays
    forecasts = defaultdict(dict)
    rows = defaultdict(list)
    with open(f"{path}/forecasts.csv") as f:
        for row in csv.DictReader(f):
            rows[(row["window"], row["model"], row["origin"])].append(row)
    for (window, model, origin), rs in rows.items():
        forecasts[(window, model)][origin] = (
            index[rs[0]["timestamp"]],
            np.array([float(r["mean"]) for r in rs]),
            np.array([float(r["lower"]) for r in rs]),
            np.array([float(r["upper"]) for r in rs]),
        )

    windows = []
    for window, _ in forecasts:
        if window not in windows:
            windows.append(window)

    # statsmodels from the same origins.
    for window in windows:
        origins = forecasts[(window, "seasonal-naive")]
        started = time.time()
        for origin, (at, _, _, _) in origins.items():
            train = y[at - FIT_WEEKS * WEEK : at]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = ExponentialSmoothing(
                    train, seasonal="add", seasonal_periods=WEEK, initialization_method="heuristic"
                ).fit()
            mean = np.maximum(fit.forecast(HORIZON), 0.0)
            forecasts[(window, "statsmodels-hw")][origin] = (at, mean, None, None)
        print(f"{window}: statsmodels fits {time.time() - started:.1f} s", file=sys.stderr)

    print("| window | model | origins | MASE day 1 | MASE day 7 | MASE day 14 | MASE 1–14 | 95% coverage |")
    print("|---|---|---|---|---|---|---|---|")
    for window in windows:
        for model in ["seasonal-naive", "holt-winters", "statsmodels-hw", "calendar"]:
            fs = forecasts.get((window, model))
            if not fs:
                continue
            mase = np.zeros(14)
            cover = np.zeros(14)
            has_interval = True
            for origin, (at, mean, lower, upper) in fs.items():
                hist = y[:at]
                scale = np.mean(np.abs(hist[WEEK:] - hist[:-WEEK]))
                actual = y[at : at + HORIZON]
                for lead in range(14):
                    s = slice(lead * PER_DAY, (lead + 1) * PER_DAY)
                    mase[lead] += np.mean(np.abs(actual[s] - mean[s])) / scale
                    if lower is None:
                        has_interval = False
                    else:
                        cover[lead] += np.mean((actual[s] >= lower[s]) & (actual[s] <= upper[s]))
            n = len(fs)
            mase /= n
            cover /= n
            cov = f"{100 * cover.mean():.1f}%" if has_interval else "—"
            print(
                f"| {window} | {model} | {n} | {mase[0]:.3f} | {mase[6]:.3f} | {mase[13]:.3f} | {mase.mean():.3f} | {cov} |"
            )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/wfm-eval")
