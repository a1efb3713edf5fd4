#!/usr/bin/env python3
"""Prints SQL that (re)creates DB_titanic_table from the example CSV, for PostgreSQL or MySQL.

Usage: python3 scripts/titanic-sql.py postgres|mysql [CSV]
"""
import csv
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIALECT = sys.argv[1]
CSV = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "examples/lookup_svc/data/titanic.csv")
INT, FLOAT, TEXT = "int", "float", "text"
COLUMNS = [("PassengerId", INT), ("Survived", INT), ("Pclass", INT), ("Name", TEXT), ("Sex", TEXT),
           ("Age", FLOAT), ("SibSp", INT), ("Parch", INT), ("Ticket", TEXT), ("Fare", FLOAT),
           ("Cabin", TEXT), ("Embarked", TEXT)]
SQL_TYPES = {
    "postgres": {INT: "bigint", FLOAT: "double precision", TEXT: "text"},
    "mysql": {INT: "BIGINT", FLOAT: "DOUBLE", TEXT: "VARCHAR(255)"},
}[DIALECT]
Q = '"' if DIALECT == "postgres" else "`"


def literal(text, kind):
    if text == "":
        return "NULL"
    if kind in (INT, FLOAT):
        return str(float(text)) if kind == FLOAT else str(int(text))
    escaped = text.replace("'", "''")
    if DIALECT == "mysql":
        escaped = escaped.replace("\\", "\\\\")
    return f"'{escaped}'"


table = f"{Q}DB_titanic_table{Q}"
# CASCADE (PostgreSQL): views that tests build on the table (a slow view for the lookup
# timeout test) go with it; they are recreated by their tests.
print(f"DROP TABLE IF EXISTS {table}{' CASCADE' if DIALECT == 'postgres' else ''};")
cols = ", ".join(f"{Q}{n}{Q} {SQL_TYPES[k]}" for n, k in COLUMNS)
print(f"CREATE TABLE {table} ({cols}, PRIMARY KEY ({Q}PassengerId{Q}));")
with open(CSV, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
for start in range(0, len(rows), 200):
    values = ",\n".join("(" + ", ".join(literal(r[n], k) for n, k in COLUMNS) + ")" for r in rows[start:start + 200])
    print(f"INSERT INTO {table} VALUES\n{values};")
