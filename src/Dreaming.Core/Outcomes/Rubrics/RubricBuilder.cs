using System.Globalization;

namespace Dreaming;

/// <summary>Builds a <see cref="Rubric"/> in code.</summary>
/// <remarks>
/// <para>Criteria are added in order, to the section last set with <see cref="Section(string)"/> (none at first). A criterion
/// without an explicit id gets its section's slug and its position in that section, such as <c>content-1</c>, or
/// <c>criterion-1</c> outside any section: the same ids a Markdown rubric gets.</para>
/// <para><see cref="Build"/> applies the same rules as the Markdown parser (see <see cref="MarkdownRubricParser"/>); the
/// other methods only reject <see langword="null"/>. Not thread-safe.</para>
/// </remarks>
/// <example>
/// <code>
/// var rubric = new RubricBuilder("refund-summary", "Refund summary")
///     .WithPassThreshold(0.75)
///     .Section("Content")
///     .Contains("Mentions the order number", "#W123", required: true)
///     .Regex("States the refund amount", @"\$\d+\.\d{2}")
///     .Judged("Apologises once and stays concise", weight: 2)
///     .Section("Format")
///     .Json("Is valid JSON")
///     .MaxLength("At most 600 characters", 600)
///     .Build();
/// </code>
/// </example>
public sealed class RubricBuilder
{
    private readonly string _id;
    private readonly string _title;
    private readonly List<RubricCriterion> _criteria = [];
    private readonly CriterionIdAllocator _ids = new();
    private int _version = 1;
    private string? _description;
    private double _passThreshold = 1.0;
    private RubricAggregation _aggregation = RubricAggregation.WeightedMean;
    private string? _baseDirectory;
    private string? _section;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="id">The rubric id.</param>
    /// <param name="title">The title.</param>
    public RubricBuilder(string id, string title)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(title);
        _id = id;
        _title = title;
    }

    /// <summary>Sets <see cref="Rubric.Version"/>.</summary>
    /// <param name="version">The version, 1 or more.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder WithVersion(int version)
    {
        _version = version;
        return this;
    }

    /// <summary>Sets <see cref="Rubric.Description"/>.</summary>
    /// <param name="description">The description given to the grader with the task, or <see langword="null"/> for none.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder WithDescription(string? description)
    {
        _description = description;
        return this;
    }

    /// <summary>Sets <see cref="Rubric.PassThreshold"/>.</summary>
    /// <param name="threshold">The score in [0, 1] the work must reach.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder WithPassThreshold(double threshold)
    {
        _passThreshold = threshold;
        return this;
    }

    /// <summary>Sets <see cref="Rubric.Aggregation"/>: how the scored criteria make the score.</summary>
    /// <param name="aggregation">The aggregation; <see cref="RubricAggregation.WeightedMean"/> unless set.</param>
    /// <returns>This builder.</returns>
    /// <remarks>A value that is not defined fails <see cref="Build"/>, as every other rule does.</remarks>
    public RubricBuilder WithAggregation(RubricAggregation aggregation)
    {
        _aggregation = aggregation;
        return this;
    }

    /// <summary>Sets <see cref="Rubric.BaseDirectory"/>, the folder relative schema paths are resolved against.</summary>
    /// <param name="baseDirectory">The folder, or <see langword="null"/> for the current directory.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder WithBaseDirectory(string? baseDirectory)
    {
        _baseDirectory = baseDirectory;
        return this;
    }

    /// <summary>Starts a section: the criteria added next belong to it.</summary>
    /// <param name="name">The section name, as a Markdown <c>## </c> heading would give it.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder Section(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _section = name;
        return this;
    }

    /// <summary>Adds a criterion judged by the grader model.</summary>
    /// <param name="text">What the work must do.</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder Judged(string text, double weight = 1, bool required = false, string? id = null) =>
        Add(text, CriterionKind.Model, null, weight, required, id);

    /// <summary>Adds a criterion met when the artifact contains <paramref name="value"/>.</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="value">The text to look for.</param>
    /// <param name="ignoreCase">Whether to ignore case (ordinal comparison otherwise).</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder Contains(string text, string value, bool ignoreCase = false, double weight = 1, bool required = false, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Add(text, CriterionKind.Contains, value, weight, required, id, ignoreCase);
    }

    /// <summary>Adds a criterion met when the artifact does not contain <paramref name="value"/>.</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="value">The text that must be absent.</param>
    /// <param name="ignoreCase">Whether to ignore case (ordinal comparison otherwise).</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder NotContains(string text, string value, bool ignoreCase = false, double weight = 1, bool required = false, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Add(text, CriterionKind.NotContains, value, weight, required, id, ignoreCase);
    }

    /// <summary>Adds a criterion met when the artifact, trimmed, equals <paramref name="value"/>.</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="value">The expected text.</param>
    /// <param name="ignoreCase">Whether to ignore case (ordinal comparison otherwise).</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder EqualTo(string text, string value, bool ignoreCase = false, double weight = 1, bool required = false, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Add(text, CriterionKind.Equals, value, weight, required, id, ignoreCase);
    }

    /// <summary>Adds a criterion met when <paramref name="pattern"/> matches somewhere in the artifact.</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="pattern">A .NET regular expression, run with a timeout; use <c>(?i)</c> to ignore case.</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder Regex(string text, string pattern, double weight = 1, bool required = false, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return Add(text, CriterionKind.Regex, pattern, weight, required, id);
    }

    /// <summary>Adds a criterion met when the artifact is valid JSON.</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder Json(string text, double weight = 1, bool required = false, string? id = null) =>
        Add(text, CriterionKind.Json, null, weight, required, id);

    /// <summary>Adds a criterion met when the artifact is JSON valid against a schema file.</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="schemaPath">The schema file, relative to <see cref="WithBaseDirectory(string)"/> or absolute.</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder JsonSchema(string text, string schemaPath, double weight = 1, bool required = false, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(schemaPath);
        return Add(text, CriterionKind.JsonSchema, schemaPath, weight, required, id);
    }

    /// <summary>Adds a criterion met when the artifact has at most <paramref name="maxLength"/> characters (UTF-16 code units).</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="maxLength">The most characters allowed, 0 or more.</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder MaxLength(string text, int maxLength, double weight = 1, bool required = false, string? id = null) =>
        Add(text, CriterionKind.MaxLength, maxLength.ToString(CultureInfo.InvariantCulture), weight, required, id);

    /// <summary>Adds a criterion met when the artifact has at least <paramref name="minLength"/> characters (UTF-16 code units).</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="minLength">The fewest characters allowed, 0 or more.</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder MinLength(string text, int minLength, double weight = 1, bool required = false, string? id = null) =>
        Add(text, CriterionKind.MinLength, minLength.ToString(CultureInfo.InvariantCulture), weight, required, id);

    /// <summary>Adds a criterion checked by <paramref name="predicate"/>; if it throws, the verdict is <see cref="CriterionVerdict.Error"/>.</summary>
    /// <param name="text">What the criterion checks, for people.</param>
    /// <param name="predicate">Given the artifact, whether the criterion is met.</param>
    /// <param name="weight">The weight; 0 reports the criterion without scoring it.</param>
    /// <param name="required">Whether failing the criterion fails the rubric whatever the score.</param>
    /// <param name="id">The id, or <see langword="null"/> for the section slug and position.</param>
    /// <returns>This builder.</returns>
    public RubricBuilder Custom(string text, Func<string, bool> predicate, double weight = 1, bool required = false, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return Add(text, CriterionKind.Custom, null, weight, required, id, predicate: predicate);
    }

    /// <summary>Builds the rubric.</summary>
    /// <returns>A new rubric; the builder can go on being used.</returns>
    /// <exception cref="RubricException">The rubric breaks a rule: blank id or title, no criteria, duplicate criterion
    /// ids, a negative, non-finite or all-zero weight, a threshold outside [0, 1], a version below 1, or an argument
    /// invalid for its kind (a regex that does not compile, a negative length, a schema file that does not load).</exception>
    public Rubric Build()
    {
        var rubric = new Rubric
        {
            Id = _id,
            Version = _version,
            Title = _title,
            Description = _description,
            PassThreshold = _passThreshold,
            Aggregation = _aggregation,
            Criteria = [.. _criteria],
            BaseDirectory = _baseDirectory,
        };
        RubricValidator.Validate(rubric);
        return rubric;
    }

    private RubricBuilder Add(string text, CriterionKind kind, string? argument, double weight, bool required, string? id, bool ignoreCase = false, Func<string, bool>? predicate = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var position = _ids.Next(_section);
        _criteria.Add(new RubricCriterion
        {
            Id = id ?? position,
            Text = text,
            Section = _section,
            Weight = weight,
            Required = required,
            Kind = kind,
            Argument = argument,
            IgnoreCase = ignoreCase,
            Predicate = predicate,
        });
        return this;
    }
}
