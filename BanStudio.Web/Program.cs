using BanStudio.Web.Cli;

return await CliApp.RunAsync(args);
