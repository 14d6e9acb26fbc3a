"""The calculation engine: credit -> measure -> earn, as SQL stages run by an executor.

``calculate(inputs, plans, periods, options)`` is the one entry point; ``attain.engine.filemode``
runs it on a folder of files. See docs/engine.md.
"""

from attain.engine.earn_stage import explain_line
from attain.engine.inputs import InputTables, load_folder
from attain.engine.options import CalcOptions
from attain.engine.result import CalcResult
from attain.engine.run import calculate

__all__ = ["CalcOptions", "CalcResult", "InputTables", "calculate", "explain_line", "load_folder"]
