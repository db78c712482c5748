using MailAppliance.MailCtl.Cli;
using MailAppliance.MailCtl.Commands;

// mailctl's command groups. To add one (queue, dkim, dns, cert...), write an ICommandGroup in Commands/ and list it here.
ICommandGroup[] groups =
[
    new UserCommands(),
    new AliasCommands(),
    new QueueCommands(),
    new DkimCommands(),
    new DnsCommands(),
    new CertCommands(),
    new InitCommand(),
    new ConfigCheckCommands(),
    new SendCommand(),
    new StatusCommand(),
];

return await new CommandRouter(groups).RunAsync(args, CommandConsole.System);
