--- `flowlua disable`: flowlua.cli.flow_state with the verb "disable".
-- @module flowlua.cli.disable
return require("flowlua.cli.flow_state").command("disable")
