// Records sessions into the SQLite file named by the first argument, printing "acked <id>" after each
// CompleteAsync returns, while other sessions are still being written, until the process is killed.
// With "webhooks URL SECRET" after the file, it instead ends 20 sessions with webhooks to URL, printing "acked <id>"
// for each, and runs the dispatcher until it is killed. With "aot-store" after the file, it writes to and reads back from
// every SQLite store and exits (run with reflection-based JSON off, as a Native AOT app is). With "dream POINT" after the
// file, it dreams over agent crash-agent's sessions and stops for good at that point of the dream (see DreamChild). With
// "orchestrate" after the file, it runs a plan until two of its items hang and prints "ready <run session id>" (see
// OrchestrateChild). With
// "postgres SCHEMA" after a PostgreSQL connection string, it records sessions as above into that schema; with "postgres
// SCHEMA dream POINT [COMMAND_TIMEOUT_SECONDS]", it dreams there as on the SQLite file; with "postgres SCHEMA
// orchestrate", it runs the plan of "orchestrate" there.
using Dreaming;
using Microsoft.Extensions.DependencyInjection;

if (args.Length == 4 && args[1] == "webhooks")
{
    await Dreaming.CrashTestHost.WebhookChild.RunAsync(args[0], args[2], args[3]);
    return;
}

if (args.Length == 3 && args[1] == "dream")
{
    await Dreaming.CrashTestHost.DreamChild.RunAsync(args[0], args[2]);
    return;
}

if (args.Length is 5 or 6 && args[1] == "postgres" && args[3] == "dream")
{
    var commandTimeout = args.Length == 6 ? TimeSpan.FromSeconds(int.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture)) : (TimeSpan?)null;
    await Dreaming.CrashTestHost.DreamChild.RunAsync(args[0], args[4], postgresSchema: args[2], commandTimeout);
    return;
}

if (args.Length == 4 && args[1] == "postgres" && args[3] == "orchestrate")
{
    await Dreaming.CrashTestHost.OrchestrateChild.RunAsync(args[0], postgresSchema: args[2]);
    return;
}

if (args.Length == 2 && args[1] == "orchestrate")
{
    await Dreaming.CrashTestHost.OrchestrateChild.RunAsync(args[0]);
    return;
}

if (args.Length == 2 && args[1] == "aot-store")
{
    await Dreaming.CrashTestHost.AotStoreChild.RunAsync(args[0]);
    return;
}

var services = new ServiceCollection();
var dreaming = services.AddDreamingAgents(o => o.WriteBatchSize = 7);
if (args.Length == 3 && args[1] == "postgres")
{
    // The first argument is then a PostgreSQL connection string, and the third the schema.
    dreaming.UsePostgresStore(args[0], o => o.Schema = args[2]);
}
else
{
    dreaming.UseSqliteStore(args[0]);
}

await using var provider = services.BuildServiceProvider();
var sessions = provider.GetRequiredService<IAgentSessionFactory>();

// Started first and never completed or disposed: it is still running at the kill whatever the loops below are doing
// (the in-flight loop's session may be between two sessions, or not yet written, when the kill comes).
var held = sessions.StartSession("crash-agent", "in flight (held open)");
await held.RecordAsync(new NoteEvent { Text = "held open" });

var inFlight = Task.Run(async () =>
{
    GC.KeepAlive(held);
    // Never completed: its events are in flight when the kill comes.
    var n = 0;
    while (true)
    {
        await using var session = sessions.StartSession("crash-agent", "in flight " + n++);
        for (var i = 0; i < 200; i++)
        {
            await session.RecordAsync(new NoteEvent { Text = "in-flight " + i });
        }
    }
});

for (var s = 0; ; s++)
{
    var session = sessions.StartSession("crash-agent", "acknowledged " + s);
    for (var e = 0; e < 20; e++)
    {
        await session.RecordAsync(new ToolCallEvent { CallId = $"c{e}", ToolName = "tool", Arguments = $"{{\"session\":{s},\"event\":{e}}}" });
    }

    await session.CompleteAsync(SessionStatus.Completed, SessionOutcome.Succeeded());
    Console.Out.WriteLine("acked " + session.Id);
    Console.Out.Flush();
}
