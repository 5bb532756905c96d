import type {FleetError} from '../errors.js'

/** The two values `rds.public` and `rds.private` render to. */
export interface DbUrls {
  public: string
  private: string
}

/** Which of the two URLs a `.env` holds; `shared` when both render the same and the file holds it. */
export type DbUrlMode = 'public' | 'private' | 'shared' | 'other' | 'missing'

/** How a value is written: unquoted, single- or double-quoted. */
export type Quote = '' | "'" | '"'

/** What every function here returns instead of throwing: data, or the error the caller reports. */
export type EnvResult<T> = ({ok: true} & T) | {ok: false; error: FleetError}
