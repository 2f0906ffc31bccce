// Types for the modules the component tests import. At run time sfdx-lwc-jest supplies them: the c/
// namespace from force-app, lightning/* as its test wire adapters, @salesforce/apex as jest.mock'ed.

type LdsTestWireAdapter = ReturnType<
  typeof import('@salesforce/wire-service-jest-util').createLdsTestWireAdapter
>;

declare module 'c/*' {
  import type { LightningElement } from 'lwc';
  const component: typeof LightningElement;
  export default component;
}

declare module 'lightning/uiRecordApi' {
  export const getRecord: LdsTestWireAdapter;
}

declare module 'lightning/uiRelatedListApi' {
  export const getRelatedListRecords: LdsTestWireAdapter;
}

declare module '@salesforce/apex/CollectionsLaunch.launchUrl' {
  const launchUrl: jest.Mock<Promise<string>, [{ view: string; recordId: string | null }]>;
  export default launchUrl;
}

declare module '@salesforce/apex/CollectionsPromiseController.recordPromise' {
  type Outcome = {
    ok: boolean;
    promiseId?: string | null;
    deadline?: string | null;
    errorCode?: string | null;
    errorMessage?: string | null;
    field?: string | null;
  };
  const recordPromise: jest.Mock<
    Promise<Outcome>,
    [
      {
        accountId: string;
        amount: string;
        currencyCode: string;
        promisedDate: string | null;
        madeBy: string;
        invoiceIds: string[];
        note: string;
      },
    ]
  >;
  export default recordPromise;
}
