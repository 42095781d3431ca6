/** The acceptance criteria of a spec (any format the spec gate reads), one string per criterion. */
export { acceptanceCriteriaOf } from '../specs/criteria';
