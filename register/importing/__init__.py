"""The parts of the register import (``register.importer.RegisterImporter``): columns, tables, row checks,
writing, results."""
