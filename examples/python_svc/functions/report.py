"""A function that calls other endpoints of its service through the host's imports."""

import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import log, lookup, query


class WitWorld(wit_world.WitWorld):
    def passenger_report(self, passenger_id: int) -> wit_world.PassengerReport:
        log.log(log.Level.INFO, f"report for passenger {passenger_id}")
        answer = json.loads(lookup.lookup("passengers", json.dumps({"PassengerId": passenger_id})))
        record = answer["results"][0]
        if record.get("ignored"):
            raise Err(f"no passenger {passenger_id}")
        data = record["data"]
        older = None
        if data.get("Age") is not None:
            rows = json.loads(query.query("older_than", json.dumps({"age": data["Age"]})))
            older = int(rows["results"][0]["rows"][0][0])
        return wit_world.PassengerReport(
            name=data["Name"],
            age=data.get("Age"),
            fare=data.get("Fare"),
            older_passengers=older,
        )
