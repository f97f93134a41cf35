using System.CommandLine;
using System.Globalization;
using Dreaming.Cli.Output;
using Dreaming.Cli.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Dreaming.Cli.Commands;

/// <summary><c>dreaming webhooks list|replay|drop-unrouted</c>: the webhook outbox of the database, dead letters included.</summary>
internal static class WebhooksCommand
{
    public static Command Create(CommonOptions common, TextWriter output, TextWriter error)
    {
        var command = new Command("webhooks", "Inspect and replay the webhook deliveries in the database (the outbox).");
        command.Subcommands.Add(List(common, output, error));
        command.Subcommands.Add(Replay(common, output, error));
        command.Subcommands.Add(DropUnrouted(common, output, error));
        return command;
    }

    private static Command List(CommonOptions common, TextWriter output, TextWriter error)
    {
        var state = CommonOptions.Choice(new Option<WebhookDeliveryState?>("--state") { Description = "Only deliveries in this state." });
        var limit = CommonOptions.InRange(new Option<int>("--limit") { Description = "At most this many deliveries, newest first, or with --unrouted this many events, oldest first (1-10000).", DefaultValueFactory = _ => 50 }, 1, WebhookOutboxRules.MaxListLimit);
        var unrouted = new Option<bool>("--unrouted") { Description = "List the events this tool wrote (memory and dream changes) that wait for the app's webhook dispatcher to route them to its endpoints, oldest first, instead of deliveries." };
        var command = new Command("list", "List webhook deliveries, newest first, with their state, attempts and last error.") { state, limit, unrouted };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            var outbox = stores.Outbox;
            if (parse.GetValue(unrouted))
            {
                if (parse.GetValue(state) is not null)
                {
                    throw new ArgumentException("--unrouted lists events, which have no delivery state; leave out --state.");
                }

                return await ListUnroutedAsync(stores, parse.GetValue(limit), parse.GetValue(common.Json), output, ct).ConfigureAwait(false);
            }

            var rows = await outbox.ListAsync(parse.GetValue(state), parse.GetValue(limit), ct).ConfigureAwait(false);
            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, rows.Select(d => new
                {
                    d.Id,
                    d.EventId,
                    d.EventType,
                    d.EndpointId,
                    d.State,
                    d.Attempts,
                    d.CreatedAt,
                    d.NextAttemptAt,
                    d.LastAttemptAt,
                    d.LastStatusCode,
                    d.LastError,
                    d.DeliveredAt,
                }));
                return 0;
            }

            // Counted up to the list's limit: enough to say that some wait, and how to see them.
            var waiting = (await stores.ListUnroutedAsync(WebhookOutboxRules.MaxListLimit, ct).ConfigureAwait(false)).Count;
            if (rows.Count == 0)
            {
                output.WriteLine("no webhook deliveries match");
                WriteWaiting(output, waiting);
                return 0;
            }

            output.WriteLine($"{"ID",-36}  {"STATE",-9}  {"EVENT",-28}  {"ENDPOINT",-12}  {"TRIES",5}  {"LAST",4}  ERROR");
            foreach (var d in rows)
            {
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{d.Id,-36}  {d.State.ToString().ToLowerInvariant(),-9}  {d.EventType,-28}  {Text.Cut(d.EndpointId, 12),-12}  {d.Attempts,5}  {d.LastStatusCode?.ToString(CultureInfo.InvariantCulture) ?? "-",4}  {Text.Cut(Text.OneLine(d.LastError ?? string.Empty), 80)}"));
            }

            foreach (var endpointId in rows.Select(d => d.EndpointId).Distinct(StringComparer.Ordinal))
            {
                var endpoint = await outbox.GetEndpointAsync(endpointId, ct).ConfigureAwait(false);
                if (endpoint.IsDisabled)
                {
                    output.WriteLine($"endpoint {endpointId} is disabled: {endpoint.DisabledReason} (a replay enables it again)");
                }
            }

            WriteWaiting(output, waiting);
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command Replay(CommonOptions common, TextWriter output, TextWriter error)
    {
        var id = new Argument<string?>("id") { Description = "The delivery to replay (whd_...).", Arity = ArgumentArity.ZeroOrOne };
        var allDead = new Option<bool>("--all-dead") { Description = "Replay every dead letter." };
        var webhooks = new CliWebhooks();
        var command = new Command("replay", "Put a delivery (or every dead letter) back in line, due now, with its attempts reset; with --webhook, deliver it now.") { id, allDead };
        webhooks.AddTo(command);
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var database = common.DatabaseOf(parse);
            var deliveryId = parse.GetValue(id);
            var all = parse.GetValue(allDead);
            if ((deliveryId is null) == !all)
            {
                throw new ArgumentException("Name one delivery id, or pass --all-dead (not both).");
            }

            var target = webhooks.Read(parse);
            List<WebhookDelivery> replayed;
            await using (var stores = await CliServices.OpenAsync(database, ct).ConfigureAwait(false))
            {
                var outbox = stores.Outbox;
                var now = DateTimeOffset.UtcNow;
                var dead = all ? (await outbox.ListAsync(WebhookDeliveryState.Dead, WebhookOutboxRules.MaxListLimit, ct).ConfigureAwait(false)).ToList() : [];
                replayed = all ? dead : [await outbox.ReplayAsync(deliveryId!, now, ct).ConfigureAwait(false)];
                if (all)
                {
                    await outbox.ReplayDeadAsync(now, ct).ConfigureAwait(false);
                }

                // A replayed endpoint gets another chance: a disabled one would only turn the replay into a dead letter again.
                foreach (var endpointId in replayed.Select(d => d.EndpointId).Distinct(StringComparer.Ordinal))
                {
                    await outbox.SetEndpointDisabledAsync(endpointId, null, now, ct).ConfigureAwait(false);
                }
            }

            var json = parse.GetValue(common.Json);
            if (target is not { } to)
            {
                if (json)
                {
                    CliJson.Write(output, new { replayed = replayed.Select(d => d.Id) });
                }
                else
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replayed {replayed.Count} deliveries; they are due now and go out with the next dispatcher on this database (or pass --webhook and --webhook-secret to deliver them now)."));
                }

                return 0;
            }

            var ids = replayed.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            var services = new ServiceCollection();
            var builder = database.Use(services.AddDreamingAgents());
            CliWebhooks.Configure(builder, to, replayed.Select(d => d.EndpointId).Distinct(StringComparer.Ordinal));
            await using var provider = services.BuildServiceProvider();
            CliWebhooks.Validate(provider);
            var rows = await CliWebhooks.DeliverAsync(provider, ids, ct).ConfigureAwait(false);
            if (json)
            {
                CliJson.Write(output, CliWebhooks.Summary(to.Url, rows));
            }
            else
            {
                CliWebhooks.WriteSummary(output, to.Url, rows);
            }

            return rows.All(d => d.State == WebhookDeliveryState.Delivered) ? 0 : 1;
        }).ConfigureAwait(false));
        return command;
    }

    private static Command DropUnrouted(CommonOptions common, TextWriter output, TextWriter error)
    {
        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = "Drop only the events written more than this long ago: a whole number and a unit, s, m, h or d (30m, 6h, 2d). Required.",
            HelpName = "DURATION",
            Required = true,
            CustomParser = result => SessionsCommand.ParseDuration(result),
        };
        var command = new Command(
            "drop-unrouted",
            "Drop the webhook events this tool wrote (memory and dream changes) more than --older-than ago that still wait for an app's webhook dispatcher, so that none delivers them: an app that gets webhooks later would otherwise send them all, however old.")
        { olderThan };
        command.SetAction(async (parse, ct) => await CommandErrors.RunAsync(error, async () =>
        {
            var writtenBefore = TimeProvider.System.GetUtcNow() - parse.GetValue(olderThan);
            await using var stores = await CliServices.OpenAsync(common.DatabaseOf(parse), ct).ConfigureAwait(false);
            var dropped = await stores.DropUnroutedAsync(writtenBefore, ct).ConfigureAwait(false);
            if (parse.GetValue(common.Json))
            {
                CliJson.Write(output, new { writtenBefore, count = dropped.Count, eventIds = dropped });
                return 0;
            }

            var cutOff = writtenBefore.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            output.WriteLine(dropped.Count == 0
                ? $"no unrouted webhook events written before {cutOff} UTC"
                : string.Create(CultureInfo.InvariantCulture, $"dropped {dropped.Count} unrouted webhook {(dropped.Count == 1 ? "event" : "events")} written before {cutOff} UTC; no dispatcher will deliver {(dropped.Count == 1 ? "it" : "them")}"));
            return 0;
        }).ConfigureAwait(false));
        return command;
    }

    private static async Task<int> ListUnroutedAsync(CliStores stores, int limit, bool json, TextWriter output, CancellationToken ct)
    {
        var events = await stores.ListUnroutedAsync(limit, ct).ConfigureAwait(false);
        if (json)
        {
            CliJson.Write(output, events.Select(e => new { e.EventId, e.EventType, e.CreatedAt }));
            return 0;
        }

        if (events.Count == 0)
        {
            output.WriteLine("no unrouted webhook events: nothing waits for an app's dispatcher");
            return 0;
        }

        output.WriteLine($"{"EVENT ID",-36}  {"EVENT",-28}  WRITTEN (UTC)");
        foreach (var e in events)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.EventId,-36}  {e.EventType,-28}  {e.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}"));
        }

        output.WriteLine("they reach the app's receivers when the app's webhook dispatcher (AddWebhooks with UseSqliteStore or UsePostgresStore on this database) next runs, however old they are then ('dreaming webhooks drop-unrouted --older-than DURATION' drops old ones)");
        return 0;
    }

    private static void WriteWaiting(TextWriter output, int waiting)
    {
        if (waiting > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{waiting}{(waiting == WebhookOutboxRules.MaxListLimit ? " or more" : string.Empty)} {(waiting == 1 ? "event" : "events")} written by this tool {(waiting == 1 ? "waits" : "wait")}, unrouted, for the app's webhook dispatcher on this database ('dreaming webhooks list --unrouted' lists them)"));
        }
    }
}
