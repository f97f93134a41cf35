using Dreaming.Cli;

return await DreamingCommandLine.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
