import { PageHeader } from '../components/PageHeader';
import { EmptyState } from '../components/EmptyState';
import { ChartLegend, EvalChart } from '../components/EvalChart';
import { StrengthChart } from '../components/StrengthChart';
import { useActivePack, useSettingsStore } from '../stores/use-settings-store';
import { useUiStore } from '../stores/use-ui-store';
import { readEvaluation, readEvaluationNotes } from '../lib/evaluation';
import { TASK_LABELS, plural, when } from '../lib/format';

function taskLabel(task: string): string {
  return task in TASK_LABELS ? TASK_LABELS[task as keyof typeof TASK_LABELS] : task;
}

export function ModelView() {
  const pack = useActivePack();
  const loaded = useSettingsStore((s) => s.loaded);
  const setView = useUiStore((s) => s.setView);

  if (!pack) {
    return (
      <>
        <PageHeader title="Model" />
        {loaded && (
          <EmptyState
            icon="chart"
            title="No model pack in use"
            action={
              <button type="button" className="btn btn-primary" onClick={() => setView('settings')}>
                Choose a pack
              </button>
            }
          >
            Pick a valid model pack in Settings to see how well it learns a voice.
          </EmptyState>
        )}
      </>
    );
  }

  const tasks = readEvaluation(pack.evaluation);
  const notes = readEvaluationNotes(pack.evaluation);
  return (
    <>
      <PageHeader
        title="Model"
        subtitle={
          <>
            {pack.name} <span className="muted">({pack.id})</span>
          </>
        }
      />
      <section className="card model-facts" aria-label="Pack details">
        {pack.description && <p>{pack.description}</p>}
        <dl className="facts">
          <div>
            <dt>Soft tokens per document (k)</dt>
            <dd>{pack.k ?? '—'}</dd>
          </div>
          <div>
            <dt>Hidden size</dt>
            <dd>{pack.dim ?? '—'}</dd>
          </div>
          {pack.source?.name && (
            <div data-testid="backbone-source">
              <dt>Language model</dt>
              <dd>
                {pack.source.name}
                {pack.source.author && <> by {pack.source.author}</>}
                {pack.source.license && <>, license {pack.source.license}</>}
                {pack.source.source && <div className="muted">{pack.source.source}</div>}
              </dd>
            </div>
          )}
          <div>
            <dt>Folder</dt>
            <dd>
              <code className="path">{pack.dir}</code>
            </dd>
          </div>
        </dl>
      </section>

      {tasks.length === 0 ? (
        <EmptyState icon="chart" title="This pack has no evaluation">
          Its manifest carries no evaluation figures, so there is nothing to plot. Packs trained with the project’s pipeline include perplexity and ROUGE-L for ComMer and the prompt baseline.
        </EmptyState>
      ) : (
        tasks.map((t) => (
          <section key={t.task} className="card eval" aria-label={`${taskLabel(t.task)} evaluation`} data-testid="eval-section">
            <div className="section-head">
              <div>
                <h2 className="section-title">{taskLabel(t.task)}</h2>
                {(t.nPersons != null || t.nExamples != null) && (
                  <p className="muted small">
                    Measured on {t.nPersons != null ? plural(t.nPersons, 'held-out person') : 'held-out persons'}
                    {t.nExamples != null && <>, {plural(t.nExamples, 'example')}</>}
                    {notes.createdAt && <> · {when(notes.createdAt)}</>}
                  </p>
                )}
              </div>
              <ChartLegend series={t.series} />
            </div>
            <div className="charts">
              <EvalChart title="Perplexity" metric="ppl" series={t.series} better="lower" />
              <EvalChart title="ROUGE-L" metric="rouge_l" series={t.series} better="higher" />
              {t.strength && <StrengthChart curve={t.strength} />}
            </div>
            {(notes.pplIs || notes.rougeLIs) && (
              <p className="muted small eval-notes">
                {notes.pplIs && <>Perplexity: {notes.pplIs}. </>}
                {notes.rougeLIs && <>ROUGE-L: {notes.rougeLIs}.</>}
              </p>
            )}
            <details className="eval-table">
              <summary>Show the numbers</summary>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Method</th>
                    <th scope="col">Docs</th>
                    <th scope="col">Perplexity</th>
                    <th scope="col">ROUGE-L</th>
                    <th scope="col">Prefix tokens</th>
                  </tr>
                </thead>
                <tbody>
                  {t.series.flatMap((s) =>
                    s.rows.map((r) => (
                      <tr key={`${s.key}-${r.n_docs}`}>
                        <td>{s.label}</td>
                        <td>{r.n_docs}</td>
                        <td>{typeof r.ppl === 'number' ? r.ppl.toFixed(2) : '—'}</td>
                        <td>{typeof r.rouge_l === 'number' ? r.rouge_l.toFixed(3) : '—'}</td>
                        <td>{r.prefix_tokens ?? '—'}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            </details>
          </section>
        ))
      )}
    </>
  );
}
