package cli

// syncCommands are the commands that talk to a relay.
var syncCommands []command
