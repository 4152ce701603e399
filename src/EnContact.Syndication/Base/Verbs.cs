namespace EnContact.Syndication.Base;

/// <summary>An operator verb's work, done with the gateway built as for every verb (same settings, same validation).</summary>
public delegate Task<int> Verb(WebApplication app, CancellationToken cancellationToken);

/// <summary>
/// Builds the gateway and runs a verb in it, turning a settings problem into exit code 2 with the
/// problems listed. The composition root hands it to each feature's commands, which own their verbs.
/// </summary>
public delegate Task<int> VerbRunner(Verb verb, CancellationToken cancellationToken);
