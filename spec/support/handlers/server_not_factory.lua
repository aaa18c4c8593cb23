--- A broken server module for specs: it returns a table, not a factory.
return { handler = true }
