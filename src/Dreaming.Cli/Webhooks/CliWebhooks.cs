using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dreaming.Cli.Webhooks;

/// <summary>The <c>--webhook</c> and <c>--webhook-secret</c> options, and delivering the outbox from a command (there is
/// no host running the dispatcher in the background, so the command runs its rounds itself before it exits).</summary>
internal sealed partial class CliWebhooks
{
    /// <summary>The short schedule a command retries on: it waits for its deliveries before exiting.</summary>
    private static readonly TimeSpan[] s_schedule = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];

    public Option<string?> Url { get; } = new("--webhook") { Description = "Deliver the webhook events to this URL (Standard Webhooks, signed; loopback allowed)." };

    public Option<string?> Secret { get; } = new("--webhook-secret") { Description = "The signing secret for --webhook: whsec_ and base64 of 24-64 random bytes." };

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(Secret);
    }

    /// <summary>Reads the options and checks the URL and secret; <see langword="null"/> when --webhook is not given.</summary>
    /// <exception cref="ArgumentException">--webhook-secret is missing or given alone.</exception>
    /// <exception cref="OptionsValidationException">The URL or the secret is not valid.</exception>
    public (string Url, string Secret)? Read(ParseResult parse)
    {
        var url = parse.GetValue(Url);
        var secret = parse.GetValue(Secret);
        if (url is null)
        {
            return secret is null ? null : throw new ArgumentException("--webhook-secret needs --webhook URL.");
        }

        if (secret is null)
        {
            throw new ArgumentException("--webhook-secret is required with --webhook: whsec_ followed by base64 of 24-64 random bytes.");
        }

        // Checked now, before the command changes anything: a replay would otherwise put the dead letters back in line and
        // only then fail on the URL, and a replay with nothing to replay configured no endpoint, so a bad secret passed.
        var services = new ServiceCollection();
        Configure(services.AddDreamingAgents(), (url, secret), ["check"]);
        using (var provider = services.BuildServiceProvider())
        {
            // The library's messages show the URL without its user name, password, query or fragment.
            Validate(provider);
        }

        return (url, secret);
    }

    /// <summary>Adds webhooks delivering to the URL as the given endpoints, and checks the settings now so that a bad URL
    /// or secret fails before any work.</summary>
    public static void Configure(IDreamingBuilder builder, (string Url, string Secret) target, IEnumerable<string> endpointIds) =>
        builder.AddWebhooks(options =>
        {
            options.AllowPrivateNetworks = true;
            options.RetrySchedule = s_schedule;
            options.AttemptTimeout = TimeSpan.FromSeconds(5);

            // The short schedule would otherwise disable the endpoint within seconds of a receiver error.
            options.MaxConsecutiveFailures = 0;
            foreach (var id in endpointIds)
            {
                var endpoint = new WebhookEndpoint { Id = id, Url = target.Url };
                endpoint.Secrets.Add(target.Secret);
                options.Endpoints.Add(endpoint);
            }
        });

    /// <summary>Checks the webhook settings the command configured.</summary>
    /// <exception cref="OptionsValidationException">The URL or the secret is not valid; the message names them as the tool's
    /// options (<c>--webhook</c>, <c>--webhook-secret</c>), which is what the user gave, rather than as the library's
    /// <c>WebhookOptions.Endpoints[0].Url</c> and <c>WebhookOptions.Endpoints[0].Secrets[0]</c>.</exception>
    public static void Validate(IServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            throw new OptionsValidationException(ex.OptionsName, ex.OptionsType, ex.Failures.Select(ForCommandLine).Distinct(StringComparer.Ordinal));
        }
    }

    // The tool's endpoints all take their URL from --webhook and their one secret from --webhook-secret.
    private static string ForCommandLine(string failure) =>
        SecretSetting().Replace(UrlSetting().Replace(failure, "--webhook"), "--webhook-secret");

    [GeneratedRegex(@"WebhookOptions\.Endpoints\[\d+\]\.Url\b")]
    private static partial Regex UrlSetting();

    [GeneratedRegex(@"WebhookOptions\.Endpoints\[\d+\]\.Secrets(?:\[\d+\])?")]
    private static partial Regex SecretSetting();

    /// <summary>Runs rounds over the given deliveries, and no others, until none is pending or the schedule has run
    /// out, and returns them as they are then.</summary>
    public static async Task<IReadOnlyList<WebhookDelivery>> DeliverAsync(IServiceProvider services, IReadOnlyCollection<string> deliveryIds, CancellationToken cancellationToken)
    {
        var dispatcher = services.GetRequiredService<WebhookDispatcher>();
        var outbox = services.GetRequiredService<IWebhookOutboxStore>();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await dispatcher.DispatchAsync(deliveryIds, cancellationToken).ConfigureAwait(false);
            var rows = new List<WebhookDelivery>(deliveryIds.Count);
            foreach (var id in deliveryIds)
            {
                if (await outbox.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } row)
                {
                    rows.Add(row);
                }
            }

            if (rows.All(d => d.State != WebhookDeliveryState.Pending) || DateTimeOffset.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The summary for --json; <c>url</c> without a user name, password, query string or fragment, which may hold
    /// a secret.</summary>
    public static object Summary(string url, IReadOnlyList<WebhookDelivery> rows) => new
    {
        url = Output.Text.UrlWithoutSecrets(url),
        events = rows.Count,
        delivered = rows.Count(d => d.State == WebhookDeliveryState.Delivered),
        dead = rows.Count(d => d.State == WebhookDeliveryState.Dead),
        pending = rows.Count(d => d.State == WebhookDeliveryState.Pending),
        attempts = rows.Sum(d => d.Attempts),
        byType = rows.GroupBy(d => d.EventType).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
    };

    public static void WriteSummary(TextWriter output, string url, IReadOnlyList<WebhookDelivery> rows)
    {
        var delivered = rows.Count(d => d.State == WebhookDeliveryState.Delivered);
        var dead = rows.Count(d => d.State == WebhookDeliveryState.Dead);
        var pending = rows.Count - delivered - dead;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"webhooks: {rows.Count} events to {Output.Text.UrlWithoutSecrets(url)}: {delivered} delivered, {dead} dead, {pending} pending ({rows.Sum(d => d.Attempts)} attempts)"));
        foreach (var group in rows.GroupBy(d => d.EventType).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {group.Key,-28} {group.Count(),3}"));
        }

        var failures = rows.Where(d => d.State != WebhookDeliveryState.Delivered).ToList();
        foreach (var failed in failures.Take(IdList.Shown))
        {
            output.WriteLine($"  {failed.Id} {failed.EventType}: {failed.LastError}");
        }

        if (failures.Count > IdList.Shown)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {failures.Count - IdList.Shown:N0} more not delivered (not shown)"));
        }
    }
}
