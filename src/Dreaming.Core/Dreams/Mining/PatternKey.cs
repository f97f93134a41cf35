namespace Dreaming;

/// <summary>Identifies a pattern: its kind, its tool (if any) and its signature.</summary>
internal readonly record struct PatternKey(string Pattern, string? Tool, string Signature);
