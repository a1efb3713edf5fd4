#!/usr/bin/env python3
"""Builds examples/sql_svc/data/titanic.db from examples/lookup_svc/data/titanic.csv.

One table, DB_titanic_table, with typed columns (INTEGER, REAL, TEXT) and empty cells as NULL,
so that the SQL example answers with the reference's types (int8, float8, text).
Usage: python3 scripts/make-titanic-db.py [CSV] [DB]
"""
import csv
import os
import sqlite3
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "examples/lookup_svc/data/titanic.csv")
DB = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "examples/sql_svc/data/titanic.db")

COLUMNS = [
    ("PassengerId", "INTEGER"), ("Survived", "INTEGER"), ("Pclass", "INTEGER"), ("Name", "TEXT"),
    ("Sex", "TEXT"), ("Age", "REAL"), ("SibSp", "INTEGER"), ("Parch", "INTEGER"), ("Ticket", "TEXT"),
    ("Fare", "REAL"), ("Cabin", "TEXT"), ("Embarked", "TEXT"),
]


def convert(text, sql_type):
    if text == "":
        return None
    if sql_type == "INTEGER":
        return int(text)
    if sql_type == "REAL":
        return float(text)
    return text


def main():
    if os.path.exists(DB):
        os.remove(DB)
    con = sqlite3.connect(DB)
    con.execute("PRAGMA journal_mode=DELETE")
    columns = ", ".join(f'"{n}" {t}' for n, t in COLUMNS)
    con.execute(f'CREATE TABLE "DB_titanic_table" ({columns}, PRIMARY KEY ("PassengerId"))')
    with open(CSV, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = [tuple(convert(r[n], t) for n, t in COLUMNS) for r in reader]
    marks = ", ".join("?" for _ in COLUMNS)
    con.executemany(f'INSERT INTO "DB_titanic_table" VALUES ({marks})', rows)
    con.commit()
    con.execute("VACUUM")
    con.close()
    print(f"{DB}: {len(rows)} rows")


if __name__ == "__main__":
    main()
