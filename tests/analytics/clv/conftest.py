"""CDNOW 1/10th sample (Fader, Hardie & Lee 2005), shipped in tests/data/cdnow (see its README)."""

import pathlib

import pandas as pd
import pytest

DATASETS = pathlib.Path(__file__).parents[2] / "data" / "cdnow"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


def read_cdnow() -> pd.DataFrame:
    # whitespace-separated: customer id, id in master, date YYYYMMDD, number of CDs, dollars
    df = pd.read_csv(
        DATASETS / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["customer_id", "master_id", "date", "cds", "amount"],
        dtype={"date": str},
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df[["customer_id", "date", "amount"]]


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    return read_cdnow()


@pytest.fixture(scope="session")
def cdnow_summary(cdnow):
    from guanxi.analytics.clv.summary import customer_summary

    return customer_summary(
        cdnow, calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END, period="week"
    )
