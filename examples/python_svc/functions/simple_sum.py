"""The reference's example function: answers param1 + param2."""

import wit_world


class WitWorld(wit_world.WitWorld):
    def simple_sum(self, param1: int, param2: int) -> int:
        return param1 + param2
