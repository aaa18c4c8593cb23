--- `flowlua enable`: flowlua.cli.flow_state with the verb "enable".
-- @module flowlua.cli.enable
return require("flowlua.cli.flow_state").command("enable")
